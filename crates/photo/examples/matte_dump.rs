//! Writes the image background replacement works on (a photo reduced as
//! `replace::outline` reduces it) and the engine's matte of it, as binary
//! PPM and PGM, for `scripts/hair_mattes.py`, which solves a reference matte
//! of the hair inside the matte's unsure band.
//!
//! `cargo run --release -p photo --example matte_dump -- OUT_DIR PHOTO...`

use photo::decode::{decode, Want};
use photo::face::Models;
use photo::replace::{matte, WORK_LONG_SIDE};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or("usage: matte_dump OUT_DIR PHOTO...")?);
    let models = Models::load()?;
    for path in args {
        let want = Want {
            min_short_side: 640,
            max_pixels: 50_000_000,
        };
        let img = decode(&std::fs::read(&path)?, want)?.image;
        let work = img.reduce((img.width.max(img.height) / WORK_LONG_SIDE).max(1));
        let alpha = matte(&models, &work)?;
        let stem = std::path::Path::new(&path)
            .file_stem()
            .ok_or("a photo's file name")?
            .to_string_lossy()
            .into_owned();
        let (w, h) = (work.width, work.height);
        let mut f = std::fs::File::create(out.join(format!("{stem}.ppm")))?;
        write!(f, "P6\n{w} {h}\n255\n")?;
        f.write_all(&work.data)?;
        let mut g = std::fs::File::create(out.join(format!("{stem}.pgm")))?;
        write!(g, "P5\n{w} {h}\n255\n")?;
        g.write_all(
            &alpha
                .iter()
                .map(|v| (v * 255.0).round() as u8)
                .collect::<Vec<_>>(),
        )?;
    }
    Ok(())
}
