//! The graduates of a batch for 学历证书电子注册: the national fields as CSV
//! (UTF-8 with a byte-order mark) and `.xlsx`, and a ZIP of their 480×640
//! photos named by ID number. Shared by `biye export --kind graduates` and
//! the provincial office's download page.
//!
//! Streamed end to end so that memory stays bounded whatever the batch's
//! size: rows come from the database as a stream, each photo is read from the
//! object store as its row arrives, and a blocking writer thread receives
//! them through a bounded channel and writes the files (the workbook in
//! rust_xlsxwriter's constant-memory mode, the archive stored, not deflated —
//! JPEGs do not shrink).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use futures_util::TryStreamExt;
use sqlx::Row;

use crate::db::Db;
use crate::domain::level::ethnicity_label;
use crate::domain::{Gender, Level};
use crate::storage::Storage;

/// The national fields, in the order the registration platform lists them.
pub const COLUMNS: [&str; 10] = [
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "主考学校",
    "专业",
    "层次",
    "毕业证书编号",
    "毕业日期",
];

/// Which files to write.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    pub csv: bool,
    pub xlsx: bool,
    pub zip: bool,
}

impl Wanted {
    pub const ALL: Wanted = Wanted {
        csv: true,
        xlsx: true,
        zip: true,
    };
}

/// What was written.
#[derive(Debug, Default)]
pub struct Summary {
    pub graduates: u64,
    pub photos: u64,
    /// Graduates without an approved photo (listed, not in the archive).
    pub missing_photos: Vec<String>,
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("读取照片失败：{0}")]
    Storage(#[from] crate::storage::StorageError),
    #[error("写入导出文件失败：{0}")]
    Io(#[from] std::io::Error),
    #[error("写入 Excel 文件失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("写入照片压缩包失败：{0}")]
    Zip(#[from] zip::result::ZipError),
}

struct Graduate {
    cells: [String; 10],
    photo: Option<bytes::Bytes>,
}

/// A cell as CSV carries it: text that a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab or CR first) gets a leading apostrophe.
pub fn csv_cell(v: &str) -> std::borrow::Cow<'_, str> {
    match v.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{v}").into(),
        _ => v.into(),
    }
}

/// The states whose applications count as graduates of the batch.
pub const STATES: [&str; 2] = ["final_approved", "registered"];

/// Writes `graduates-BATCH.{csv,xlsx,zip}` into `dir`; `progress` is called
/// with the number of graduates written so far.
pub async fn graduates(
    db: &Db,
    storage: &Storage,
    batch: &str,
    dir: &Path,
    wanted: Wanted,
    mut progress: impl FnMut(u64),
) -> Result<Summary, ExportError> {
    let base = dir.join(format!("graduates-{batch}"));
    let (tx, rx) = mpsc::sync_channel::<Graduate>(64);
    let writer = {
        let base = base.clone();
        tokio::task::spawn_blocking(move || write_all(&base, wanted, rx))
    };
    let mut rows = sqlx::query(
        "SELECT c.name, c.gender, c.ethnicity, c.id_no, c.birth_date, COALESCE(s.name, '') AS school,
                COALESCE(m.name, '') AS major, COALESCE(m.level, '') AS level,
                COALESCE(k.certificate_no, '') AS certificate_no, b.graduation_date,
                (SELECT p.fixed_key FROM photos p WHERE p.application_id = a.id AND p.fixed_key IS NOT NULL
                 ORDER BY p.id DESC LIMIT 1) AS photo_key
         FROM graduation_applications a
         JOIN candidates c ON c.id = a.candidate_id
         JOIN batches b ON b.code = a.batch_code
         JOIN plans pl ON pl.id = a.plan_id
         LEFT JOIN majors m ON m.code = pl.major_code
         LEFT JOIN examining_schools s ON s.code = pl.examining_school_code
         LEFT JOIN certificates k ON k.application_id = a.id
         WHERE a.batch_code = $1 AND a.state IN ($2, $3)
         ORDER BY c.id_no",
    )
    .bind(batch)
    .bind(STATES[0])
    .bind(STATES[1])
    .fetch(db.pool());
    let mut summary = Summary::default();
    while let Some(r) = rows.try_next().await? {
        let photo_key: Option<String> = r.try_get("photo_key")?;
        let id_no: String = r.try_get("id_no")?;
        let photo = match (&photo_key, wanted.zip) {
            (Some(k), true) => Some(storage.get(k).await?),
            _ => None,
        };
        if photo_key.is_none() {
            summary.missing_photos.push(id_no.clone());
        }
        let gender = Gender::from_db(&r.try_get::<String, _>("gender")?).map_or("", Gender::label);
        let level = Level::from_db(&r.try_get::<String, _>("level")?).map_or("", Level::label);
        let ethnicity: String = r.try_get("ethnicity")?;
        let g = Graduate {
            cells: [
                r.try_get("name")?,
                gender.to_owned(),
                ethnicity_label(&ethnicity).map_or(ethnicity.clone(), str::to_owned),
                id_no,
                r.try_get("birth_date")?,
                r.try_get("school")?,
                r.try_get("major")?,
                level.to_owned(),
                r.try_get("certificate_no")?,
                r.try_get("graduation_date")?,
            ],
            photo,
        };
        summary.photos += u64::from(g.photo.is_some());
        if tx.send(g).is_err() {
            break; // The writer failed: its error is reported below.
        }
        summary.graduates += 1;
        if summary.graduates % 1000 == 0 {
            progress(summary.graduates);
        }
    }
    drop(tx);
    summary.files = writer
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    progress(summary.graduates);
    Ok(summary)
}

/// The writer thread: every row into every wanted file.
fn write_all(
    base: &Path,
    wanted: Wanted,
    rx: mpsc::Receiver<Graduate>,
) -> Result<Vec<PathBuf>, ExportError> {
    let path = |ext: &str| base.with_extension(ext);
    let mut csv = wanted
        .csv
        .then(|| -> Result<_, ExportError> {
            let mut f = std::io::BufWriter::new(std::fs::File::create(path("csv"))?);
            f.write_all("\u{feff}".as_bytes())?;
            let mut w = csv::Writer::from_writer(f);
            w.write_record(COLUMNS).map_err(std::io::Error::other)?;
            Ok(w)
        })
        .transpose()?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = wanted
        .xlsx
        .then(|| -> Result<_, ExportError> {
            let s = book.add_worksheet_with_constant_memory();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in COLUMNS.iter().enumerate() {
                s.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            Ok(s)
        })
        .transpose()?;
    let mut zip = wanted
        .zip
        .then(|| -> Result<_, ExportError> {
            let f = std::io::BufWriter::new(std::fs::File::create(path("zip"))?);
            Ok(zip::ZipWriter::new(f))
        })
        .transpose()?;
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    let mut row: u32 = 0;
    let mut sheet = sheet;
    // One person may graduate twice in a batch (two majors): the second
    // photo is `ID-2.jpg`. Rows come sorted by ID number, so repeats are adjacent.
    let mut last_name = String::new();
    let mut repeat = 1;
    for g in rx {
        row += 1;
        if let Some(w) = csv.as_mut() {
            w.write_record(g.cells.iter().map(|c| csv_cell(c).into_owned()))
                .map_err(std::io::Error::other)?;
        }
        if let Some(s) = sheet.as_mut() {
            for (c, v) in g.cells.iter().enumerate() {
                s.write_string(row, c as u16, v)?;
            }
        }
        if let (Some(z), Some(photo)) = (zip.as_mut(), &g.photo) {
            // The ID number names the file; it is validated on import, so
            // it holds no path separator.
            let name: String = g.cells[3]
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            repeat = if name == last_name { repeat + 1 } else { 1 };
            let file = match repeat {
                1 => format!("{name}.jpg"),
                n => format!("{name}-{n}.jpg"),
            };
            last_name = name;
            z.start_file(file, stored)?;
            z.write_all(photo)?;
        }
    }
    let mut files = Vec::new();
    if let Some(w) = csv {
        w.into_inner().map_err(|e| e.into_error())?.flush()?;
        files.push(path("csv"));
    }
    if wanted.xlsx {
        book.save(path("xlsx"))?;
        files.push(path("xlsx"));
    }
    if let Some(z) = zip {
        z.finish()?.flush()?;
        files.push(path("zip"));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graduate(id_no: &str) -> Graduate {
        let mut cells: [String; 10] = Default::default();
        cells[0] = "=cmd".into();
        cells[3] = id_no.into();
        Graduate {
            cells,
            photo: Some(bytes::Bytes::from_static(b"\xFF\xD8 jpeg")),
        }
    }

    #[test]
    fn a_second_graduation_of_one_person_gets_its_own_photo_name() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::sync_channel(4);
        for id in [
            "44010119900101001X",
            "44010119900101001X",
            "440101199001010029",
        ] {
            tx.send(graduate(id)).unwrap();
        }
        drop(tx);
        let files = write_all(&dir.path().join("g"), Wanted::ALL, rx).unwrap();
        assert_eq!(files.len(), 3);
        let zip = std::fs::File::open(dir.path().join("g.zip")).unwrap();
        let archive = zip::ZipArchive::new(zip).unwrap();
        let names: Vec<&str> = archive.file_names().collect();
        assert_eq!(
            names,
            [
                "44010119900101001X.jpg",
                "44010119900101001X-2.jpg",
                "440101199001010029.jpg"
            ]
        );
        let csv = std::fs::read_to_string(dir.path().join("g.csv")).unwrap();
        assert!(
            csv.starts_with('\u{feff}') && csv.contains("'=cmd"),
            "{csv}"
        );
    }
}
