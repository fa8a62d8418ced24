//! Storage on both dialects: migrations, import (all or nothing, idempotent,
//! errors with line numbers), export round trip, and the append-only audit log.

mod common;

use biye::cli::export::to_jsonl;
use biye::db::import::{apply, import, ImportError};
use biye::interchange::{self, Records};
use common::TestApp;
use sqlx::Row;

fn parse(text: &str) -> Result<interchange::Parsed, Vec<interchange::LineError>> {
    interchange::read(text.as_bytes())
}

/// A digest of every table the importer writes, `updated_at` included, so that
/// "changes nothing" means exactly that.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "offices",
        "batches",
        "onsite_sessions",
        "majors",
        "examining_schools",
        "plans",
        "plan_courses",
        "candidates",
        "scores",
        "violations",
        "prior_educations",
        "candidate_certificates",
        "certificates",
    ] {
        let sql = format!("SELECT * FROM {table}");
        let rows = sqlx::query(&sql).fetch_all(app.db.pool()).await.unwrap();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<Option<String>, _>(i)
                            .map(|v| v.unwrap_or_default())
                            .or_else(|_| {
                                r.try_get::<Option<i64>, _>(i)
                                    .map(|v| v.map(|n| n.to_string()).unwrap_or_default())
                            })
                            .unwrap_or_default()
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        lines.sort();
        out.push(format!("{table}: {}", lines.len()));
        out.extend(lines);
    }
    out
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for app in TestApp::all().await {
        assert_eq!(
            biye::db::migrate::run(&app.db).await.unwrap(),
            0,
            "{}",
            app.backend
        );
    }
}

#[tokio::test]
async fn reimporting_the_same_files_changes_nothing() {
    for app in TestApp::all().await {
        let data = biye::demo::generate(40, 9);
        let texts: Vec<String> = data.files.iter().map(|r| to_jsonl(r).unwrap()).collect();
        for t in &texts {
            let o = apply(&app.db, &parse(t).unwrap(), "test", app.state.clock.now())
                .await
                .unwrap();
            assert!(o.changed > 0 || o.records == 0, "{}", app.backend);
        }
        let before = snapshot(&app).await;
        assert!(before.iter().any(|l| l == "candidates: 40"), "{before:?}");
        let audit_before: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .get(0);
        for t in &texts {
            let o = apply(&app.db, &parse(t).unwrap(), "test", app.state.clock.now())
                .await
                .unwrap();
            assert_eq!(o.changed, 0, "{}: second import changed rows", app.backend);
        }
        assert_eq!(snapshot(&app).await, before, "{}", app.backend);
        let audit_after: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(audit_before, audit_after);
    }
}

#[tokio::test]
async fn a_changed_record_is_updated_in_place() {
    for app in TestApp::all().await {
        let app = app.with_demo(20).await;
        let mut candidates = biye::db::candidates::all(app.db.pool()).await.unwrap();
        let count_before = candidates.len() as i64;
        candidates.truncate(1);
        candidates[0].address = "韶关市浈江区风采路 2 号".into();
        let text = to_jsonl(&Records::Candidates(candidates.clone())).unwrap();
        let o = apply(
            &app.db,
            &parse(&text).unwrap(),
            "test",
            app.state.clock.now(),
        )
        .await
        .unwrap();
        assert_eq!(o.changed, 1, "{}", app.backend);
        let (_, stored) =
            biye::db::candidates::get_by_admission_no(app.db.pool(), &candidates[0].admission_no)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(stored, candidates[0]);
        // Updated in place: no candidate added.
        assert_eq!(
            biye::db::candidates::count(app.db.pool()).await.unwrap(),
            count_before
        );
    }
}

#[tokio::test]
async fn a_file_with_an_unknown_candidate_imports_nothing_and_names_the_line() {
    for app in TestApp::all().await {
        let app = app.with_demo(20).await;
        let before = snapshot(&app).await;
        let text = concat!(
            r#"{"format":"biye","version":1,"kind":"scores"}"#,
            "\n",
            r#"{"admission_no":"020118100001","course_code":"00054","sitting":"202304","score":88}"#,
            "\n",
            "\n",
            r#"{"admission_no":"029999999999","course_code":"00054","sitting":"202304","score":70}"#,
            "\n",
        );
        let err = apply(
            &app.db,
            &parse(text).unwrap(),
            "test",
            app.state.clock.now(),
        )
        .await
        .unwrap_err();
        let ImportError::Invalid(errors) = err else {
            panic!("expected a validation error")
        };
        assert_eq!(errors.total, 1);
        assert_eq!(errors.list[0].line, 4, "{}", app.backend);
        assert!(errors.list[0]
            .to_string()
            .contains("029999999999 的考生不存在"));
        assert_eq!(snapshot(&app).await, before);
    }
}

/// Imports a file's text as `biye import` does: read in one pass, in chunks.
async fn import_text(app: &TestApp, text: &str, chunk: usize) -> Result<u64, ImportError> {
    let input = std::io::Cursor::new(text.as_bytes().to_vec());
    let o = import(&app.db, input, "test", app.state.clock.now(), chunk, |_| {}).await?;
    Ok(o.changed)
}

#[tokio::test]
async fn a_file_read_in_small_chunks_imports_whole_and_once() {
    for app in TestApp::all().await {
        let data = biye::demo::generate(40, 9);
        let texts: Vec<String> = data.files.iter().map(|r| to_jsonl(r).unwrap()).collect();
        for t in &texts {
            import_text(&app, t, 7).await.unwrap();
        }
        let scores = match &data.files[4] {
            Records::Scores(v) => v.len(),
            other => panic!("the fifth demo file holds {:?}", other.kind()),
        };
        let before = snapshot(&app).await;
        assert!(before.iter().any(|l| l == "candidates: 40"), "{before:?}");
        assert!(
            before.contains(&format!("scores: {scores}")),
            "{}",
            app.backend
        );
        for t in &texts {
            assert_eq!(import_text(&app, t, 7).await.unwrap(), 0, "{}", app.backend);
        }
        assert_eq!(snapshot(&app).await, before, "{}", app.backend);
    }
}

#[tokio::test]
async fn an_error_in_the_last_chunk_undoes_the_chunks_already_written() {
    for app in TestApp::all().await {
        let app = app.with_demo(20).await;
        let before = snapshot(&app).await;
        let mut text = String::from(r#"{"format":"biye","version":1,"kind":"scores"}"#);
        for course in 10..30 {
            text += &format!(
                "\n{{\"admission_no\":\"020118100001\",\"course_code\":\"000{course}\",\"sitting\":\"202304\",\"score\":61}}"
            );
        }
        // Line 22 names nobody; line 23 repeats line 2, eight chunks later.
        text += "\n{\"admission_no\":\"029999999999\",\"course_code\":\"00054\",\"sitting\":\"202304\",\"score\":70}";
        text += "\n{\"admission_no\":\"020118100001\",\"course_code\":\"00010\",\"sitting\":\"202304\",\"score\":61}\n";
        let Err(ImportError::Invalid(errors)) = import_text(&app, &text, 3).await else {
            panic!("{}: the file was accepted", app.backend)
        };
        let got: Vec<(usize, String)> = errors
            .list
            .iter()
            .map(|e| (e.line, e.message.clone()))
            .collect();
        assert_eq!(errors.total, 2, "{got:?}");
        assert_eq!(got[0].0, 22);
        assert!(got[0].1.contains("029999999999 的考生不存在"), "{got:?}");
        assert_eq!(got[1].0, 23);
        assert!(got[1].1.contains("与第 2 行重复"), "{got:?}");
        assert_eq!(snapshot(&app).await, before, "{}", app.backend);
    }
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    for app in TestApp::all().await {
        let app = app.with_demo(20).await;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .get(0);
        assert!(n > 0, "imports are audited");
        let upd = sqlx::query("UPDATE audit_log SET action = 'x'")
            .execute(app.db.pool())
            .await;
        assert!(upd.is_err(), "{}: update allowed", app.backend);
        let del = sqlx::query("DELETE FROM audit_log")
            .execute(app.db.pool())
            .await;
        assert!(del.is_err(), "{}: delete allowed", app.backend);
    }
}

#[tokio::test]
async fn constraints_hold_on_both_dialects() {
    for app in TestApp::all().await {
        let app = app.with_demo(20).await;
        // A score needs exactly one of score and grade.
        let r = sqlx::query(
            "INSERT INTO scores (candidate_id, course_code, sitting, obtained_by, status) \
             SELECT id, '00054', '202304', 'exam', 'valid' FROM candidates LIMIT 1",
        )
        .execute(app.db.pool())
        .await;
        assert!(r.is_err(), "{}", app.backend);
        // A city reviewer must have an office.
        let r = sqlx::query("INSERT INTO staff_users (username, display_name, password_hash, role) VALUES ('x', 'x', 'x', 'city_reviewer')")
            .execute(app.db.pool())
            .await;
        assert!(r.is_err());
        let dup = sqlx::query("INSERT INTO offices (code, name) VALUES ('0201', '重复')")
            .execute(app.db.pool())
            .await;
        assert!(biye::db::is_unique_violation(&dup.unwrap_err()));
    }
}

#[test]
fn every_line_error_is_reported_in_chinese_with_its_line() {
    let text = concat!(
        r#"{"format":"biye","version":1,"kind":"candidates"}"#,
        "\n",
        r#"{"admission_no":"020118100001","name":"张三","id_no":"11010519491231002X"}"#,
        "\n",
        r#"{"admission_no":"0201181","name":"李四","id_no":"11010519491231002X"}"#,
        "\n",
        r#"{"admission_no":"020118100003","name":"王五","id_no":"110105194912310021"}"#,
        "\n",
        r#"{"admission_no":"020118100004","id_no":"11010519491231002X"}"#,
        "\n",
        r#"{"admission_no":"020118100005","name":"赵六","id_no":"11010519491231002X","colour":"red"}"#,
        "\n",
        r#"{"admission_no":"020118100001","name":"张三","id_no":"11010519491231002X"}"#,
        "\n",
        r#"not json"#,
        "\n",
        r#"{"admission_no":"020118100008","name":"钱七","id_no":"11010519491231002X","gender":"male"}"#,
        "\n",
    );
    let errors = parse(text).unwrap_err();
    let got: Vec<(usize, &str)> = errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    let expect = [
        (3, "准考证号应为 12 位数字"),
        (4, "校验位错误"),
        (5, "缺少字段“name”"),
        (6, "未知字段“colour”"),
        (7, "与第 2 行重复"),
        (8, "不是有效的 JSON"),
        (9, "性别与身份证号不符"),
    ];
    assert_eq!(got.len(), expect.len(), "{got:?}");
    for ((line, msg), (el, em)) in got.iter().zip(expect) {
        assert_eq!(*line, el);
        assert!(msg.contains(em), "line {line}: {msg}");
    }
}

#[test]
fn headers_are_checked() {
    for (text, needle) in [
        ("", "文件为空"),
        (
            "{\"format\":\"biye\",\"version\":2,\"kind\":\"plans\"}\n",
            "不支持的格式版本 2",
        ),
        (
            "{\"format\":\"csv\",\"version\":1,\"kind\":\"plans\"}\n",
            "format 应为",
        ),
        (
            "{\"format\":\"biye\",\"version\":1,\"kind\":\"pets\"}\n",
            "文件头无效",
        ),
        (
            "\u{feff}{\"format\":\"biye\",\"version\":1,\"kind\":\"plans\"}\n\n",
            "",
        ),
    ] {
        match parse(text) {
            Err(e) if !needle.is_empty() => {
                assert!(e[0].message.contains(needle), "{text}: {:?}", e)
            }
            Ok(p) if needle.is_empty() => assert!(p.records.is_empty()),
            other => panic!("{text}: {other:?}"),
        }
    }
    // Not UTF-8 (e.g. a GBK file): named, not garbled.
    let mut gbk = b"{\"format\":\"biye\",\"version\":1,\"kind\":\"offices\"}\n".to_vec();
    gbk.extend_from_slice(&[0xd5, 0xc5, 0xc8, 0xfd, b'\n']);
    let e = interchange::read(&gbk[..]).unwrap_err();
    assert_eq!(e[0].line, 2);
    assert!(e[0].message.contains("UTF-8"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    #[test]
    fn reading_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400), kind in 0usize..9) {
        let kinds = ["offices", "batches", "plans", "candidates", "scores", "violations", "prior_education", "qualifications", "certificates"];
        let mut text = format!("{{\"format\":\"biye\",\"version\":1,\"kind\":\"{}\"}}\n", kinds[kind]).into_bytes();
        text.extend(body);
        let _ = interchange::read(&text[..]);
    }
}
