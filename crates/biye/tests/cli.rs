//! The `biye` binary itself: import's exit codes and messages, and --help.

mod common;

use common::biye;

#[test]
fn import_with_one_bad_row_imports_nothing_and_names_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let offices = dir.path().join("offices.jsonl");
    std::fs::write(
        &offices,
        "{\"format\":\"biye\",\"version\":1,\"kind\":\"offices\"}\n\
         {\"code\":\"0201\",\"name\":\"韶关市区\"}\n\
         {\"code\":\"0202\",\"name\":\"乐昌市\"}\n\
         {\"code\":\"02O3\",\"name\":\"南雄市\"}\n",
    )
    .unwrap();
    let out = biye(dir.path())
        .args(["import"])
        .arg(&offices)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("未导入任何数据"), "{stderr}");
    assert!(stderr.contains("第 4 行"), "{stderr}");
    assert!(stderr.contains("办理地点代码应为 4 位数字"), "{stderr}");

    let export = biye(dir.path())
        .args(["export", "--kind", "candidates"])
        .output()
        .unwrap();
    assert!(export.status.success());

    // Fix the row: imports; a second run changes nothing.
    let text = std::fs::read_to_string(&offices)
        .unwrap()
        .replace("02O3", "0203");
    std::fs::write(&offices, text).unwrap();
    let first = biye(dir.path())
        .arg("import")
        .arg(&offices)
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(said.contains("条办理地点记录，新增或更新 3 行"), "{said}");
    let second = biye(dir.path())
        .arg("import")
        .arg(&offices)
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("新增或更新 0 行"),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
}

#[test]
fn help_describes_every_subcommand_and_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = biye(dir.path()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "serve",
        "import",
        "export",
        "demo",
        "migrate",
        "photo",
        "audit",
        "form",
        "staff",
        "BIYE_DATABASE_URL",
        "BIYE_OBJECT_STORE_URL",
        "BIYE_LISTEN",
        "BIYE_PUBLIC_URL",
        "BIYE_TIME_ZONE",
        "BIYE_SIGNING_SECRET",
        "BIYE_SIGNING_SECRET_FILE",
        "BIYE_DEMO_PASSWORD",
        "BIYE_SMS_GATEWAY",
        "BIYE_TRUST_PROXY",
        "AWS_ENDPOINT",
        "BIYE_NOW",
        "BIYE_CERTIFICATE_YEAR_BASE",
        "BIYE_CERTIFICATE_CHECK",
        "BIYE_PHOTO_BACKGROUND_REPLACEMENT",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn bad_configuration_is_explained_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let out = biye(dir.path())
        .env("BIYE_DATABASE_URL", "mysql://x")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不支持的数据库地址"));
    let missing = biye(dir.path())
        .args(["import", "no-such-file.jsonl"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("无法打开"));
}

#[test]
fn graduates_export_from_the_cli_needs_a_batch_and_writes_three_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = biye(dir.path())
        .args(["export", "--kind", "graduates"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("须指定 --batch"), "{}", text(&out));
    let demo = biye(dir.path())
        .args(["demo", "--candidates", "30"])
        .output()
        .unwrap();
    assert!(demo.status.success(), "{}", text(&demo));
    let target = dir.path().join("out");
    let out = biye(dir.path())
        .args([
            "export",
            "--kind",
            "graduates",
            "--batch",
            "2023H1",
            "--out",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("已导出 2023H1 批次毕业生 0 名"),
        "{}",
        text(&out)
    );
    for ext in ["csv", "xlsx", "zip"] {
        assert!(
            target.join(format!("graduates-2023H1.{ext}")).exists(),
            "{ext}"
        );
    }
    let csv = std::fs::read_to_string(target.join("graduates-2023H1.csv")).unwrap();
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("毕业证书编号"),
        "{csv}"
    );
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_demo_password_is_random_shown_once_and_never_reset() {
    let dir = tempfile::tempdir().unwrap();
    let first = biye(dir.path())
        .env_remove("BIYE_DEMO_PASSWORD")
        .args(["demo", "--candidates", "30"])
        .output()
        .unwrap();
    let out = text(&first);
    assert!(first.status.success(), "{out}");
    let at = out.find("密码均为 ").expect("the password is printed") + "密码均为 ".len();
    let password: String = out[at..].chars().take_while(|c| *c != '，').collect();
    assert_eq!(password.chars().count(), 17, "{password}");
    assert_ne!(password, common::PASSWORD);
    // A second load (or another size) prints no password and keeps the first.
    let second = biye(dir.path())
        .args(["demo", "--candidates", "40"])
        .output()
        .unwrap();
    let out2 = text(&second);
    assert!(second.status.success(), "{out2}");
    assert!(
        !out2.contains(&password) && !out2.contains("密码均为"),
        "{out2}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("db/biye.db").display());
        let db = biye::db::Db::connect(&url).await.unwrap();
        let admin = biye::db::staff::find_login(db.pool(), "admin")
            .await
            .unwrap()
            .unwrap();
        assert!(biye::passwords::verify(&password, &admin.password_hash));
        assert!(!biye::passwords::verify(
            common::PASSWORD,
            &admin.password_hash
        ));
        db.close().await;
    });
}

#[test]
fn demo_data_never_reaches_a_real_installation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A real database: offices imported, no demo.
    let offices = d.join("offices.jsonl");
    std::fs::write(
        &offices,
        "{\"format\":\"biye\",\"version\":1,\"kind\":\"offices\"}\n{\"code\":\"0201\",\"name\":\"韶关市区\"}\n",
    )
    .unwrap();
    let staff = biye(d)
        .args(["staff", "add", "admin", "--role", "admin"])
        .output()
        .unwrap();
    assert!(staff.status.success(), "{}", text(&staff));
    assert!(text(&staff).contains("一次性密码"));
    for args in [vec!["demo"], vec!["serve", "--demo"]] {
        let o = biye(d).args(&args).output().unwrap();
        assert!(!o.status.success(), "{args:?}");
        assert!(
            text(&o).contains("已有非演示数据"),
            "{args:?}: {}",
            text(&o)
        );
    }
    // Without a signing key a real installation does not start.
    let o = biye(d).args(["serve"]).output().unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("未配置签名密钥"), "{}", text(&o));

    // A demo database is never served on a public address.
    let demo = common::demo_installed();
    for (var, value) in [
        ("BIYE_PUBLIC_URL", "https://biye.example.gov.cn/"),
        ("BIYE_LISTEN", "0.0.0.0:0"),
    ] {
        let o = biye(demo.path())
            .env(var, value)
            .args(["serve", "--demo"])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{var}={value}");
        assert!(text(&o).contains("不能在"), "{}", text(&o));
        assert!(text(&o).contains("演示只允许本机地址"), "{}", text(&o));
    }
}
