//! A queue's list as data: a title, column headings and rows of text. The
//! same table is the page a reviewer works from and the file an office
//! downloads (offices work in Excel): `.xlsx`, or CSV with a UTF-8 byte-order
//! mark so that Excel reads the Chinese right.

use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::error::{render, WebError, WebResult};

pub struct Table {
    pub title: &'static str,
    /// The queue's path: item links are `{base}/{id}`, downloads `{base}/export`.
    pub base: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
    /// Shown above the table (e.g. the bulk-approval link, a search form).
    pub note: String,
}

pub struct Row {
    pub id: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct Page<'a> {
    csrf: String,
    t: &'a Table,
    limit: i64,
}

impl Table {
    pub fn page(&self, csrf: String) -> WebResult<Response> {
        render(&Page {
            csrf,
            t: self,
            limit: super::review::PAGE,
        })
        .map(IntoResponse::into_response)
    }

    fn csv(&self) -> WebResult<Vec<u8>> {
        let mut out = "\u{feff}".as_bytes().to_vec();
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(&self.columns).map_err(WebError::internal)?;
            for r in &self.rows {
                w.write_record(
                    r.cells
                        .iter()
                        .map(|c| crate::exports::csv_cell(c).into_owned()),
                )
                .map_err(WebError::internal)?;
            }
            w.flush().map_err(WebError::internal)?;
        }
        Ok(out)
    }

    fn xlsx(&self) -> WebResult<Vec<u8>> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, h) in self.columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &bold)
                .map_err(WebError::internal)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, v) in row.cells.iter().enumerate() {
                // Text cells: ID and admission numbers must not become numbers.
                sheet
                    .write_string(r as u32 + 1, c as u16, v)
                    .map_err(WebError::internal)?;
            }
        }
        book.save_to_buffer().map_err(WebError::internal)
    }

    /// The list as a download: `format` is `csv` or `xlsx`.
    pub fn download(&self, format: &str, name: &str) -> WebResult<Response> {
        let (bytes, kind, ext) = match format {
            "csv" => (self.csv()?, "text/csv; charset=utf-8", "csv"),
            "xlsx" => (
                self.xlsx()?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            _ => return Err(WebError::BadRequest("下载格式应为 csv 或 xlsx".into())),
        };
        let disposition = format!("attachment; filename=\"{name}.{ext}\"");
        Ok((
            [
                (CONTENT_TYPE, kind.to_owned()),
                (CONTENT_DISPOSITION, disposition),
                (CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            bytes,
        )
            .into_response())
    }
}

/// `?format=` of a download link.
#[derive(serde::Deserialize)]
pub struct Format {
    #[serde(default)]
    pub format: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            title: "测试",
            base: "/staff/x",
            columns: vec!["准考证号", "姓名"],
            rows: vec![Row {
                id: "1".into(),
                cells: vec!["020121900001".into(), "=HYPERLINK(\"x\")".into()],
            }],
            note: String::new(),
        }
    }

    #[test]
    fn csv_has_a_bom_keeps_leading_zeros_and_defuses_formulas() {
        let bytes = table().csv().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("020121900001"));
        assert!(text.contains("'=HYPERLINK"), "{text}");
    }

    #[test]
    fn xlsx_is_a_zip_archive() {
        let bytes = table().xlsx().unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
