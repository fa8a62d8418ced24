//! The face match against the photo on file, measured on real pairs
//! (`tests/pairs/`: two photos each of 60 people from LFW). Same-person pairs
//! give the false non-match rate, every two different people the false match
//! rate, at [`photo::MATCH_THRESHOLD`]. The wider measurement (1,000 people,
//! half a million different-person pairs) is the `face_pairs` example; see
//! `docs/benchmarks.md`.
//!
//! Run `cargo test -p photo --test face_match -- --nocapture` for the figures.

mod common;

use std::path::{Path, PathBuf};

use photo::{EmbedError, Embedding, PhotoSpec, MATCH_THRESHOLD};

/// A ratchet at what this set measured, with one pair of slack for the
/// same-person pairs. Committed at 4 of 1,770 different-person pairs matched
/// and 2 of 60 same-person pairs missed (single embeddings at 0.92); with the
/// mirrored average at 0.925, 5 and 1 (on the wide run the false matches fell,
/// 0.234 % to 0.178 %; one pair here is within its noise). Lower them as the
/// match improves, never raise them.
const MAX_FALSE_MATCHES: usize = 5;
const MAX_FALSE_NON_MATCHES: usize = 2;

fn pairs() -> Vec<[PathBuf; 2]> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pairs");
    let mut people: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/pairs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    people.sort();
    people
        .into_iter()
        .map(|person| {
            let mut photos: Vec<PathBuf> = std::fs::read_dir(&person)
                .expect("person")
                .map(|e| e.expect("entry").path())
                .collect();
            photos.sort();
            assert_eq!(photos.len(), 2, "{}", person.display());
            [photos[0].clone(), photos[1].clone()]
        })
        .collect()
}

fn name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

fn embed(path: &Path) -> Embedding {
    let bytes = std::fs::read(path).expect("photo");
    common::engine()
        .embed(&bytes, &PhotoSpec::certificate())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn real_pairs_match_and_strangers_do_not() {
    let pairs = pairs();
    assert_eq!(pairs.len(), 60, "the committed set has 60 people");
    let embedded: Vec<[Embedding; 2]> = pairs.iter().map(|[a, b]| [embed(a), embed(b)]).collect();
    let mut misses = Vec::new();
    for (pair, [a, b]) in pairs.iter().zip(&embedded) {
        let s = a.similarity(b);
        if s < MATCH_THRESHOLD {
            misses.push(format!("{} {s:.3}", name(&pair[0])));
        }
    }
    let mut false_matches = Vec::new();
    let mut different = 0;
    for i in 0..embedded.len() {
        for j in i + 1..embedded.len() {
            different += 1;
            let s = embedded[i][0].similarity(&embedded[j][0]);
            if s >= MATCH_THRESHOLD {
                false_matches.push(format!(
                    "{} ~ {} {s:.3}",
                    name(&pairs[i][0]),
                    name(&pairs[j][0])
                ));
            }
        }
    }
    println!("threshold {MATCH_THRESHOLD}");
    println!(
        "false non-match {} of {} same-person pairs: {misses:#?}",
        misses.len(),
        pairs.len()
    );
    println!(
        "false match {} of {different} different-person pairs: {false_matches:#?}",
        false_matches.len()
    );
    assert!(misses.len() <= MAX_FALSE_NON_MATCHES, "{misses:#?}");
    assert!(
        false_matches.len() <= MAX_FALSE_MATCHES,
        "{false_matches:#?}"
    );
}

/// The embedding averages the face with its mirror image, so a photo and
/// its mirror image read as nearly one face (0.996 or more on these 13),
/// whether or not the phone mirrored its front camera. The chip embedded
/// alone read 0.988–0.993 on the first four, and this test failed.
#[test]
fn a_photo_and_its_mirror_image_embed_alike() {
    let mut photos: Vec<PathBuf> = pairs().into_iter().take(12).map(|[a, _]| a).collect();
    photos.push(common::photos_dir().join("sample_id_3.png"));
    for path in photos {
        let img = common::pixels(&std::fs::read(&path).expect("photo"));
        let [a, b] = [img.clone(), common::mirror(&img)].map(|img| {
            common::engine()
                .embed(&common::jpeg(&img, 95), &PhotoSpec::certificate())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        });
        let s = a.similarity(&b);
        println!("{} {s:.4}", name(&path));
        assert!(s > 0.995, "{}: {s}", path.display());
    }
}

#[test]
fn a_photo_without_a_face_is_an_error_not_an_embedding() {
    let blank = common::jpeg(
        &photo::raster::Rgb::from_fn(600, 800, |_, _| [240, 240, 240]),
        90,
    );
    match common::engine().embed(&blank, &PhotoSpec::certificate()) {
        Err(EmbedError::NoFace) => {}
        other => panic!("{other:?}"),
    }
    match common::engine().embed(b"not an image", &PhotoSpec::certificate()) {
        Err(EmbedError::Decode(_)) => {}
        other => panic!("{other:?}"),
    }
}
