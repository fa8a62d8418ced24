//! Background replacement on real hair. The composed cases of
//! `tests/replace.rs` soften a matte the segmenter made itself, so their edge
//! is found by construction and holds no strand of hair. Here the person
//! comes from the capture-scale portraits of `tests/real/`, cut out by a
//! reference matte that reads hair (`tests/real/hair/`, made by
//! `scripts/hair_mattes.py`), and is put in front of new walls: the truth,
//! the same person by the same matte in front of white, is known exactly.
//!
//! The halo is measured around the head (above the chin), where the hair is,
//! and whatever the replacement's own judgement of the outline would say, so
//! that the method is measured on every case; the judgement is tested too.
//!
//! Run `cargo test -p photo --test replace_hair -- --nocapture` for the
//! figures.

mod common;

use common::halo::{self, room};
use photo::face::analyse;
use photo::raster::Rgb;
use photo::replace;

const WHITE: [u8; 3] = [255, 255, 255];

/// The composed cases' limit (`tests/replace.rs`), here for the mean over
/// every person and wall: real hair's tips are mixed over several pixels,
/// and no local estimate of two colours reads every tip right.
const MAX_MEAN_HALO: f32 = 8.0;
/// No single case may leave a rim that shows: a coloured fringe becomes
/// visible on a white backdrop from about 15 (`tests/replace.rs`).
const MAX_HALO: f32 = 15.0;

/// Plain walls a phone photo at home might show, as `tests/replace.rs`.
const WALLS: [(&str, [u8; 3]); 3] = [
    ("warm yellow wall", [225, 196, 120]),
    ("green wall", [120, 170, 110]),
    ("dark blue wall", [40, 60, 120]),
];

struct Person {
    stem: String,
    fg: Rgb,
    alpha: Vec<f32>,
}

fn people() -> Vec<Person> {
    let dir = common::real_dir().join("hair");
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/real/hair")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".alpha.png")?.to_string())
        })
        .collect();
    stems.sort();
    assert!(stems.len() >= 9, "{} reference mattes", stems.len());
    stems
        .into_iter()
        .map(|stem| {
            let read = |ext: &str| {
                let path = dir.join(format!("{stem}.{ext}"));
                common::pixels(&std::fs::read(&path).expect("reference matte"))
            };
            let (fg, a) = (read("fg.jpg"), read("alpha.png"));
            assert_eq!((fg.width, fg.height), (a.width, a.height), "{stem}");
            let alpha = a
                .data
                .chunks_exact(3)
                .map(|p| f32::from(p[0]) / 255.0)
                .collect();
            Person { stem, fg, alpha }
        })
        .collect()
}

/// `p` by its matte in front of `back(x, y)`.
fn compose(p: &Person, back: impl Fn(u32, u32) -> [u8; 3]) -> Rgb {
    let w = p.fg.width;
    Rgb::from_fn(w, p.fg.height, |x, y| {
        let a = p.alpha[(y * w + x) as usize];
        let (f, b) = (p.fg.at(x, y), back(x, y));
        std::array::from_fn(|c| (a * f32::from(f[c]) + (1.0 - a) * f32::from(b[c])).round() as u8)
    })
}

#[test]
fn real_hair_on_a_plain_wall_keeps_no_rim_of_it() {
    let mut halos = Vec::new();
    for p in people() {
        let truth = compose(&p, |_, _| WHITE);
        for (what, wall) in WALLS {
            let img = compose(&p, |_, _| wall);
            let face = analyse(common::models(), &img)
                .expect("analysis runs")
                .face
                .unwrap_or_else(|| panic!("{} on a {what}: no face", p.stem));
            let outline = replace::outline(common::models(), &img, &face).expect("segmenter runs");
            let got = outline.composite(&img, WHITE);
            let chin = face.chin.1.max(0.0) as u32;
            let h = halo::measure(&p.alpha, &got, &truth, |_, _| wall, WHITE, chin);
            println!(
                "{} on a {what}: halo {:.1}, error {:.1}; contrast {:.0}, band {:.3}, texture {:.3}: {}",
                p.stem,
                h.halo,
                h.error,
                outline.contrast,
                outline.band,
                outline.texture,
                outline.refusal().map_or("kept".into(), |r| format!("{r:?}")),
            );
            assert!(
                h.halo <= MAX_HALO,
                "{} on a {what}: halo {:.1}",
                p.stem,
                h.halo
            );
            // A plain wall is never taken for a busy one.
            assert!(
                outline.texture <= replace::MAX_BACKDROP_TEXTURE,
                "{} on a {what}: texture {:.3}",
                p.stem,
                outline.texture
            );
            halos.push(h.halo);
        }
    }
    let mean = halos.iter().sum::<f32>() / halos.len() as f32;
    println!("mean halo {mean:.1} over {} cases", halos.len());
    assert!(mean <= MAX_MEAN_HALO, "mean halo {mean:.1}");
}

#[test]
fn real_hair_in_front_of_a_cluttered_room_is_refused() {
    for p in people() {
        let img = compose(&p, room);
        let face = analyse(common::models(), &img)
            .expect("analysis runs")
            .face
            .unwrap_or_else(|| panic!("{} in a room: no face", p.stem));
        let outline = replace::outline(common::models(), &img, &face).expect("segmenter runs");
        // Refused whatever the band's width says: the wall beside the hair
        // is too busy to read, or too like the hair.
        let busy = outline.texture > replace::MAX_BACKDROP_TEXTURE;
        let alike = outline.contrast < replace::MIN_EDGE_CONTRAST;
        assert!(
            outline.refusal().is_some() && (busy || alike),
            "{} in a room: texture {:.3}, contrast {:.1}",
            p.stem,
            outline.texture,
            outline.contrast
        );
    }
}
