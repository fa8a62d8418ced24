//! The registration form rendered for real: rare characters, the longest real
//! values, 30 courses, text extraction and golden page images.
//!
//! Text extraction and page images use poppler-utils (`pdftotext`,
//! `pdftoppm`); those tests say so on stderr and skip where poppler is not
//! installed (`.ci/run` installs it, so CI always runs them). The photo is a
//! real `biye photo fix` output of the shared sample_id_2. Regenerate the
//! golden pages after an intended layout change, then look at them:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --workspace --test render
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use forms::{CourseLine, FormData, FormError, Renderer};

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new().expect("fonts load"))
}

fn course(code: &str, name: &str, credits: &str, mark: &str) -> CourseLine {
    CourseLine {
        code: code.into(),
        name: name.into(),
        credits: credits.into(),
        mark: mark.into(),
        sitting: "202204".into(),
        obtained_by: "考试".into(),
    }
}

/// A 商务英语 candidate as the demo data has one.
pub fn business_english() -> FormData {
    FormData {
        form_type: "非公开学院".into(),
        batch: "2023 年上半年".into(),
        admission_no: "020118100001".into(),
        name: "陈𠇔".into(),
        gender: "男".into(),
        ethnicity: "汉族".into(),
        id_no: "440203199901010017".into(),
        birth_date: "1999-01-01".into(),
        native_place: "广东韶关".into(),
        political_status: "群众".into(),
        education_level: "高中".into(),
        occupation: "职员".into(),
        employer: "韶关市某某有限公司".into(),
        phone: "13609742208".into(),
        address: "韶关市武江区新华南路 1 号".into(),
        major: "670202 商务英语".into(),
        level: "专科".into(),
        examining_school: "619 广东外语外贸大学".into(),
        office: "韶关市区（0201）".into(),
        courses: vec![
            course("03706", "思想道德修养与法律基础", "2", "77"),
            course(
                "12656",
                "毛泽东思想和中国特色社会主义理论体系概论",
                "4",
                "68",
            ),
            course("00794", "综合英语（一）", "6", "95"),
            course("00795", "综合英语（二）", "8", "87"),
            course("10424", "商务英语实践", "2", "合格"),
        ],
        total_credits: "22".into(),
        printed_at: "2023-06-15 09:00".into(),
        reference: "7Q4K-2M9D".into(),
        qr_payload: Some(QR.into()),
        photo_jpeg: Some(PHOTO.to_vec()),
    }
}

const QR: &str = "http://127.0.0.1:8080/onsite/lookup?ref=020118100001.2023H1.7q4k2m9d0a1b2c3d";
static PHOTO: &[u8] = include_bytes!("photo.jpg");

/// The longest real values: a 20-character name, long school and employer
/// names, a long address, 30 courses with long names, a 本科 major with a thesis.
pub fn longest() -> FormData {
    let mut d = business_english();
    d.name = "阿卜杜热合曼·买买提艾力·吐尔逊巴依尔"
        .chars()
        .take(20)
        .collect();
    d.admission_no = "020122299999".into();
    d.native_place = "新疆维吾尔自治区喀什地区疏附县".into();
    d.political_status = "中国共产主义青年团团员".into();
    d.education_level = "中等职业教育（中专、职高、技校）".into();
    d.occupation = "专业技术人员（工程技术人员）".into();
    d.employer = "广东省韶关市曲江区马坝镇人民政府社会事务综合服务中心（退役军人服务站）".into();
    d.address =
        "广东省韶关市武江区惠民北路 89 号韶关市教育局大楼九楼 902 室转考生服务窗口（邮编 512026）"
            .into();
    d.major = "050201 英语（国际商务英语方向，专升本）".into();
    d.level = "本科".into();
    d.examining_school = "564 北京师范大学珠海分校（现北京师范大学珠海校区）".into();
    d.office = "乳源瑶族自治县（0208）".into();
    d.courses = (0..30)
        .map(|i| {
            course(
                &format!("{:05}", 700 + i),
                "毛泽东思想和中国特色社会主义理论体系概论（实践）",
                "4",
                "优秀",
            )
        })
        .collect();
    d.courses[29] = course("06999", "毕业论文", "", "合格");
    d.total_credits = "116".into();
    // The empty photo box is part of the layout too.
    d.photo_jpeg = None;
    d
}

/// Every field at the most the import and the record page accept (name 30,
/// native place and occupation 50, employer and address 100 characters),
/// with 30 courses: still two pages.
pub fn maximal() -> FormData {
    let mut d = longest();
    let fill = |n: usize| {
        "广东省韶关市曲江区马坝镇人民政府"
            .chars()
            .cycle()
            .take(n)
            .collect::<String>()
    };
    d.name = fill(30);
    d.native_place = fill(50);
    d.occupation = fill(50);
    d.political_status = fill(20);
    d.education_level = fill(20);
    d.employer = fill(100);
    d.address = fill(100);
    d.major = format!("050201 {}", fill(30));
    d.examining_school = format!("564 {}", fill(40));
    for c in &mut d.courses {
        c.name = fill(40);
    }
    d
}

#[test]
fn the_form_is_two_pages_for_ordinary_and_longest_values() {
    for (name, data) in [
        ("ordinary", business_english()),
        ("longest", longest()),
        ("maximal", maximal()),
    ] {
        let (pdf, pages) = renderer()
            .render_counted(&data)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pages, 2, "{name}: a value overflowed onto another page");
        assert!(pdf.starts_with(b"%PDF-"), "{name}");
        assert!(pdf.len() < 300 * 1024, "{name}: {} bytes", pdf.len());
    }
}

#[test]
fn rare_characters_render_and_a_character_no_font_has_is_an_error() {
    let mut d = business_english();
    let pdftotext = poppler("pdftotext");
    for name in ["陈𠇔", "䶮", "王堃", "张喆", "李赟", "𪚥"] {
        d.name = name.into();
        let pdf = renderer()
            .render(&d)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // The glyph is in the PDF with its Unicode value, not an empty box.
        if let Some(tool) = &pdftotext {
            let dir = tempdir();
            let path = dir.path().join("rare.pdf");
            std::fs::write(&path, pdf).expect("write");
            let out = Command::new(tool)
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext runs");
            assert!(
                String::from_utf8_lossy(&out.stdout).contains(name),
                "{name} not extracted"
            );
        }
    }
    d.name = "张\u{E000}".into();
    assert!(matches!(
        renderer().render(&d),
        Err(FormError::MissingGlyph {
            field: "姓名", ..
        })
    ));
    d.name = "王🦀".into();
    let e = renderer().render(&d).unwrap_err();
    assert!(e.to_string().contains("无法打印"), "{e}");
    d.name = "王\u{7}".into();
    assert!(matches!(
        renderer().render(&d),
        Err(FormError::ControlCharacter { .. })
    ));
}

#[test]
fn a_damaged_photo_is_refused_with_a_clear_error() {
    let mut d = business_english();
    for bad in [
        &b"\x89PNG\r\n\x1a\n not a jpeg"[..],
        &PHOTO[..PHOTO.len() / 3],
        &PHOTO[..3],
        &[][..],
    ] {
        d.photo_jpeg = Some(bad.to_vec());
        let e = renderer().render(&d).err();
        assert_eq!(e, Some(FormError::Photo), "{} bytes", bad.len());
        let e = FormError::Photo;
        assert!(e.to_string().contains("照片"), "{e}");
    }
}

#[test]
fn the_qr_code_on_the_printed_page_scans_back_to_its_payload() {
    let Some(pdftoppm) = poppler("pdftoppm") else {
        return;
    };
    let dir = tempdir();
    let pdf = dir.path().join("qr.pdf");
    std::fs::write(
        &pdf,
        renderer().render(&business_english()).expect("renders"),
    )
    .expect("write");
    let prefix = dir.path().join("qr");
    // 300 dpi, as an office scanner sees the page.
    let status = Command::new(&pdftoppm)
        .args(["-r", "300", "-gray", "-png", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs");
    assert!(status.success());
    let (w, h, grey) = grey_png(&dir.path().join("qr-1.png"));
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
        grey[y * w as usize + x]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the front page");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    assert_eq!(content, QR);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Whatever text a record holds, the form either prints on two pages or
    /// says in Chinese which character it cannot print; it never panics.
    #[test]
    fn any_text_prints_or_is_refused_with_a_reason(name in ".{0,24}", employer in "\\PC{0,80}", address in ".{0,120}") {
        let mut d = longest();
        d.name = name;
        d.employer = employer;
        d.address = address;
        match renderer().render_counted(&d) {
            Ok((_, pages)) => proptest::prop_assert_eq!(pages, 2),
            Err(e @ (FormError::MissingGlyph { .. } | FormError::ControlCharacter { .. })) => {
                proptest::prop_assert!(e.to_string().contains('“'), "{}", e)
            }
            Err(e) => proptest::prop_assert!(false, "unexpected {:?}", e),
        }
    }
}

#[test]
fn markup_in_the_data_is_printed_as_text() {
    let mut d = business_english();
    d.employer = "#panic(\"x\") *加粗* $x^2$ [链接](http://x)".into();
    let (_, pages) = renderer()
        .render_counted(&d)
        .expect("data is never parsed as markup");
    assert_eq!(pages, 2);
}

/// The poppler tool, or `None` (the test skips) where it is not installed;
/// under `BIYE_REQUIRE_ALL=1` (CI) a missing tool fails the test instead.
fn poppler(tool: &str) -> Option<PathBuf> {
    let ok = Command::new(tool).arg("-v").output().is_ok();
    if !ok {
        let required = std::env::var("BIYE_REQUIRE_ALL").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{tool} (poppler-utils) is missing and BIYE_REQUIRE_ALL=1: this test must not be skipped"
        );
        eprintln!("{tool} (poppler-utils) not installed: skipping");
    }
    ok.then(|| PathBuf::from(tool))
}

#[test]
fn text_extraction_finds_every_field() {
    let Some(pdftotext) = poppler("pdftotext") else {
        return;
    };
    for data in [business_english(), longest(), maximal()] {
        let dir = tempdir();
        let path = dir.path().join("form.pdf");
        std::fs::write(&path, renderer().render(&data).expect("renders")).expect("write");
        let out = Command::new(&pdftotext)
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext runs");
        let text: String = String::from_utf8_lossy(&out.stdout)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let mut fields: Vec<&str> = data.printed_texts();
        fields.retain(|f| !f.is_empty());
        for f in fields {
            let compact: String = f.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(
                text.contains(&compact),
                "“{f}” not found in the extracted text"
            );
        }
        for fixed in [
            "广东省高等教育自学考试毕业生登记表",
            "考生个人简历",
            "考生思想品德表现",
            "市（地）考办审核意见",
        ] {
            assert!(text.contains(fixed), "{fixed}");
        }
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Mean absolute difference of two greyscale images of the same size, 0–255.
fn difference(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len().max(1) as f64
}

fn grey_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).unwrap_or_else(|e| {
            // Name what pdftoppm did write: its page-number width depends on the page count.
            let written: Vec<_> = path
                .parent()
                .and_then(|d| std::fs::read_dir(d).ok())
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            panic!("{}: {e}; the directory holds {written:?}", path.display())
        }),
    ));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    let channels = info.color_type.samples();
    let grey = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| p[0])
        .collect();
    (info.width, info.height, grey)
}

#[test]
fn pages_match_their_golden_images() {
    let Some(pdftoppm) = poppler("pdftoppm") else {
        return;
    };
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (name, data) in [("ordinary", business_english()), ("longest", longest())] {
        let dir = tempdir();
        let dir = dir.path();
        let pdf = dir.join(format!("{name}.pdf"));
        std::fs::write(&pdf, renderer().render(&data).expect("renders")).expect("write");
        let prefix = dir.join(name);
        let status = Command::new(&pdftoppm)
            .args(["-r", "60", "-gray", "-png"])
            .arg(&pdf)
            .arg(&prefix)
            .status()
            .expect("pdftoppm runs");
        assert!(status.success());
        for page in 1..=2 {
            let got = dir.join(format!("{name}-{page}.png"));
            let want = golden.join(format!("{name}-{page}.png"));
            if update {
                std::fs::copy(&got, &want).expect("update golden");
                continue;
            }
            let (gw, gh, g) = grey_png(&got);
            let (ww, wh, w) = grey_png(&want);
            assert_eq!((gw, gh), (ww, wh), "{name} page {page}: size changed");
            let d = difference(&g, &w);
            assert!(d < 1.5, "{name} page {page} differs from its golden image by {d:.2} (UPDATE_GOLDEN=1 to accept)");
        }
    }
}
