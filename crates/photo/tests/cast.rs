//! Colour-cast and exposure correction in `fix`: a compliant portrait with
//! the light's colour or dimness laid over the whole image (one gain per
//! channel in linear light, as a lamp or a dim room does) is corrected back
//! by one linear transform, listed in the steps; a wall whose colour is its
//! own is not painted over.

mod common;

use photo::{Code, Outcome, Step};

/// The sample portrait as if lit by light of these linear gains.
fn under_light(gains: [f32; 3]) -> Vec<u8> {
    let mut lit = common::pixels(&common::sample("sample_id_3.png"));
    photo::cast::apply_gains(&mut lit, gains);
    common::jpeg(&lit, 95)
}

/// Fixes `capture` under the standard spec and checks the result passes.
fn fixed_and_compliant(capture: &[u8]) -> photo::Fixed {
    let spec = common::spec();
    let fixed = common::engine()
        .fix(capture, &spec)
        .unwrap_or_else(|u| panic!("{:?}", u.advice()));
    let after = common::engine().check(&fixed.jpeg, &spec);
    assert!(
        after.compliant,
        "{:#?}",
        after.failures().collect::<Vec<_>>()
    );
    fixed
}

fn gains_of(steps: &[Step]) -> [f32; 3] {
    match steps.first() {
        Some(Step::CorrectColour { gains, .. }) => *gains,
        other => panic!("the first step corrects the colour: {other:?}"),
    }
}

#[test]
fn a_warm_lamp_on_a_neutral_wall_is_corrected_by_one_transform() {
    let capture = under_light([1.0, 0.9, 0.72]);
    let spec = common::spec();
    let before = common::engine().check_input(
        &photo::Input {
            bytes: &capture,
            name: None,
            stage: photo::Stage::Capture,
        },
        &spec,
    );
    assert_eq!(
        before.outcome(Code::BackgroundColour),
        Some(Outcome::Fail),
        "{before:#?}"
    );
    let fixed = fixed_and_compliant(&capture);
    let g = gains_of(&fixed.steps);
    // Blue is raised most, red least: the lamp's cast undone. (Not exactly
    // 1 / 0.72: the sample's own wall is a slightly cool grey, and the
    // correction makes it neutral.)
    assert!(g[2] > 1.25 * g[0] && g[1] > g[0], "{g:?}");
    let Some(Step::CorrectColour { wall_after, .. }) = fixed.steps.first() else {
        unreachable!()
    };
    assert!(wall_after[1].hypot(wall_after[2]) < 1.0, "{wall_after:?}");
    // The face comes back close to its colour under neutral light.
    let neutral = common::engine()
        .fix(&common::sample("sample_id_3.png"), &spec)
        .expect("the sample fixes");
    let skin = |jpeg: &[u8]| {
        let img = common::pixels(jpeg);
        let patch = (300..380).flat_map(|y| (200..280).map(move |x| (x, y)));
        photo::colour::mean_lab(patch.map(|(x, y)| img.at(x, y))).expect("pixels")
    };
    let de = photo::colour::delta_e2000(skin(&fixed.jpeg), skin(&neutral.jpeg));
    println!("skin ΔE00 between the corrected warm capture and the neutral one: {de:.1}");
    assert!(de < 4.0, "{de}");
    let text = fixed.steps[0].describe();
    assert!(text.contains("全图同一线性变换"), "{text}");
}

#[test]
fn a_dim_room_is_brightened_as_a_whole() {
    let fixed = fixed_and_compliant(&under_light([0.42, 0.42, 0.42]));
    let g = gains_of(&fixed.steps);
    assert!(g.iter().all(|&v| v > 1.5), "{g:?}");
}

#[test]
fn a_coloured_wall_is_not_painted_over_and_the_policy_can_be_off() {
    let spec = common::spec();
    // Far from neutral: a yellow wall, not a lamp on a white one.
    let yellow = under_light([1.0, 0.85, 0.45]);
    let refused = common::engine().fix(&yellow, &spec).expect_err("refused");
    assert!(
        refused
            .reasons
            .iter()
            .any(|f| f.code == Code::BackgroundColour),
        "{:?}",
        refused.advice()
    );
    let mut off = spec.clone();
    off.fix.correct_colour_cast = false;
    let warm = under_light([1.0, 0.9, 0.72]);
    let refused = common::engine()
        .fix(&warm, &off)
        .expect_err("refused when off");
    assert!(
        refused.advice().iter().any(|a| a.contains("背景")),
        "{:?}",
        refused.advice()
    );
}
