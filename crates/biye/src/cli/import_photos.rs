//! `biye import-photos DIR`: the photos on file, which accepted captures are
//! compared with. The exam system hands over each candidate's registration
//! photo as `<准考证号>.jpg` (or .png, .webp). Every file is read by content
//! and must show a face the embedding can use, or it is skipped with the
//! reason; the others are stored with their embedding, so one bad file does
//! not hold up a city's photos. Importing again replaces a candidate's photo; an unchanged file is
//! stored once (the object store is content-addressed).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::config::Config;
use crate::db::{self, audit::Actor};
use crate::domain::AdmissionNo;
use crate::storage::Storage;

/// A registration photo is a few hundred KB; anything this large is not one.
const MAX_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory of `<准考证号>.jpg` files (one per candidate).
    pub dir: PathBuf,
    /// Where the photos come from, kept with each (e.g. exam_registration).
    #[arg(long, default_value = "exam_registration")]
    pub source: String,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let db = super::open_db(config).await?;
    let storage = Storage::open(&config.object_store_url, &config.s3)?;
    let now = super::serve::clock(config, &db).await?.now();
    let spec = config.photo_spec()?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.dir)
        .with_context(|| format!("无法读取目录 {}", args.dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let bar = super::count_bar(files.len() as u64, "导入档案照片");
    let (mut imported, mut skipped) = (0usize, Vec::new());
    for path in &files {
        bar.inc(1);
        match one(&db, &storage, &spec, path, &args.source, now).await {
            Ok(()) => imported += 1,
            Err(reason) => skipped.push(format!("{}：{reason}", file_name(path))),
        }
    }
    bar.finish_and_clear();
    let mut conn = db.pool().acquire().await?;
    db::audit::append(
        &mut conn,
        now,
        Actor::Cli,
        "photos_on_file_imported",
        "photos_on_file",
        &args.source,
        serde_json::json!({ "imported": imported, "skipped": skipped.len() }),
    )
    .await?;
    println!("已导入档案照片 {imported} 张，跳过 {} 张", skipped.len());
    for s in &skipped {
        println!("  跳过 {s}");
    }
    Ok(if skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Imports one file, or says in Chinese why not.
async fn one(
    db: &db::Db,
    storage: &Storage,
    spec: &photo::PhotoSpec,
    path: &Path,
    source: &str,
    now: jiff::Timestamp,
) -> Result<(), String> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let no = AdmissionNo::parse(&stem).map_err(|_| "文件名不是 12 位准考证号".to_owned())?;
    let (candidate, _) = db::candidates::get_by_admission_no(db.pool(), &no)
        .await
        .map_err(|e| format!("数据库错误：{e}"))?
        .ok_or_else(|| format!("没有准考证号为 {no} 的考生"))?;
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_BYTES {
        return Err(format!(
            "文件过大（{} MB），不是一张证件照",
            len / 1_048_576
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取：{e}"))?;
    let checked = bytes.clone();
    let spec = spec.clone();
    // By content: it must decode and show a face the comparison can use.
    // The embedding is kept, so that captures need not embed this photo again.
    let embedding = tokio::task::spawn_blocking(move || {
        let engine = crate::capture::engine().map_err(|e| e.to_string())?;
        engine.embed(&checked, &spec).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    let embedding = db::on_file::StoredEmbedding {
        model: photo::embedding_model().to_owned(),
        values: embedding.0,
    };
    let key = storage
        .put(bytes.into())
        .await
        .map_err(|e| format!("存储失败：{e}"))?;
    db::on_file::put(db.pool(), candidate, &key, source, Some(&embedding), now)
        .await
        .map_err(|e| format!("数据库错误：{e}"))
}
