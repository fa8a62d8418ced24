//! Background replacement on the real portraits of `tests/real/`. The composed
//! cases (`tests/replace.rs`) know their matte and measure the halo; these
//! photos say how often a real backdrop can be replaced at all, and whether a
//! replacement `fix` keeps is one the check then reads as the plain backdrop
//! it is. A replacement the check misreads would hand the candidate a fixed
//! photo that fails for a reason they cannot act on: clutter on a backdrop
//! the system painted itself, or a white backdrop counted as glare on the
//! face.
//!
//! Run `cargo test -p photo --test real_replace -- --nocapture` for the figures.

mod common;

use std::collections::BTreeMap;

use photo::face::analyse;
use photo::replace::{replace, Refusal};

#[test]
fn a_kept_replacement_of_a_real_backdrop_reads_plain_to_the_check() {
    let text = std::fs::read_to_string(common::real_dir().join("labels.csv")).expect("labels.csv");
    let spec = common::spec();
    let mut refused: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut kept = Vec::new();
    for row in text.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let (file, other_face) = (cells[0], cells.get(5) == Some(&"1"));
        let img = common::real_analysed(file);
        let Some(face) = analyse(common::models(), &img).ok().and_then(|a| a.face) else {
            continue;
        };
        for colour in &spec.background.references {
            let r = match replace(common::models(), &img, &face, colour.rgb) {
                Ok(r) => r,
                // The person meets the new backdrop in its own colour: that
                // colour alone is refused (`MAX_PERSON_TAKEN_FOR_BACKDROP`).
                Err(Refusal::LikeNewBackdrop(taken)) => {
                    let name = format!("{file} on {} ({:.1} %)", colour.name, taken * 100.0);
                    refused
                        .entry("person like the new backdrop")
                        .or_default()
                        .push(name);
                    continue;
                }
                // The outline is judged before any colour is laid: one
                // refusal holds for all three.
                Err(why) => {
                    let reason = match why {
                        Refusal::LowContrast(_) => "low contrast at the outline",
                        Refusal::UnsureEdge(_) => "unsure outline",
                        Refusal::BusyBackdrop(_) => "busy backdrop beside the head",
                        other => panic!("{file}: refused with {other:?}"),
                    };
                    refused.entry(reason).or_default().push(file.into());
                    break;
                }
            };
            let report = common::engine().check(&common::jpeg(&r.img, 95), &spec);
            let failed = common::failed(&report);
            println!(
                "{file} on {}: kept, the check fails {failed:?}",
                colour.name
            );
            for code in ["background.colour", "background.uniform"] {
                assert!(
                    !failed.contains(&code),
                    "{file} on {}: {failed:?}",
                    colour.name
                );
            }
            // The new backdrop is no glare on the face, even where the face
            // oval strays past the face's edge onto white.
            let original = common::real_dir().join("images").join(file);
            let before = common::engine().check(&std::fs::read(original).expect("photo"), &spec);
            if !common::failed(&before).contains(&"lighting.highlights") {
                let code = "lighting.highlights";
                assert!(
                    !failed.contains(&code),
                    "{file} on {}: {failed:?}",
                    colour.name
                );
            }
            // Other people stay in the picture (the matte holds them), and
            // stay clutter: `fix` never gets that far, since `face.multiple`
            // fails first.
            if !other_face {
                let clutter = "background.clutter";
                assert!(
                    !failed.contains(&clutter),
                    "{file} on {}: {failed:?}",
                    colour.name
                );
            }
            kept.push(format!("{file} on {}", colour.name));
        }
    }
    println!("kept: {} replacements: {kept:?}", kept.len());
    for (reason, files) in &refused {
        println!("refused, {reason}: {}", files.len());
    }
    println!(
        "refused as like the new backdrop: {:?}",
        refused.get("person like the new backdrop")
    );
    assert!(!kept.is_empty(), "no real portrait was replaced");
}
