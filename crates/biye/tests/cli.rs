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
    assert!(String::from_utf8_lossy(&first.stdout).contains("新增或更新 3 行"));
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
        "BIYE_DATABASE_URL",
        "BIYE_OBJECT_STORE_URL",
        "BIYE_LISTEN",
        "BIYE_PUBLIC_URL",
        "BIYE_TIME_ZONE",
        "BIYE_SESSION_SECRET",
        "BIYE_NOW",
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
