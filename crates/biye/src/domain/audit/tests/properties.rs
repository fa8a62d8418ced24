//! Properties of the audit over random transcripts: more passes never undo a
//! pass, and the order of the score rows never matters.

use super::*;

fn any_row() -> impl Strategy<Value = ScoreRow> {
    let codes = [
        "00794", "00795", "10424", "00054", "00147", "00098", "00149", "00015", "99999",
    ];
    (
        0..codes.len(),
        2019i16..2024,
        prop::sample::select(vec![1i8, 4, 10]),
        0u8..=100,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(c, y, m, s, void, graded)| {
            let mark = if graded {
                Mark::Grade(if s < 60 { Grade::Fail } else { Grade::Good })
            } else {
                Mark::Score(s)
            };
            let mut r = row(codes[c], &format!("{y}{m:02}"), mark);
            if void {
                r.status = ScoreStatus::Void;
            }
            r
        })
}

proptest! {
    #[test]
    fn adding_a_passing_score_never_turns_a_pass_into_a_fail(
        rows in proptest::collection::vec(any_row(), 0..14),
        extra in any_row(),
    ) {
        for p in [plan(), contested_plan()] {
            let before = Facts { scores: rows.clone(), ..Facts::default() };
            let mut after = before.clone();
            let mut extra = extra.clone();
            extra.mark = Mark::Score(80);
            extra.status = ScoreStatus::Valid;
            after.scores.push(extra);
            let (b, _) = run(&p, &before, &ctx());
            let (a, _) = run(&p, &after, &ctx());
            for c in Condition::ALL {
                if b.outcome(c) == Outcome::Pass {
                    prop_assert_eq!(a.outcome(c), Outcome::Pass, "{:?}", c);
                }
            }
        }
    }

    #[test]
    fn the_result_does_not_depend_on_the_order_of_score_rows(
        rows in proptest::collection::vec(any_row(), 0..14),
        seed in any::<u64>(),
    ) {
        let mut shuffled = rows.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        for p in [plan(), contested_plan()] {
            let (a, x) = run(&p, &Facts { scores: rows.clone(), ..Facts::default() }, &ctx());
            let (b, y) = run(&p, &Facts { scores: shuffled.clone(), ..Facts::default() }, &ctx());
            prop_assert_eq!(a.failed, b.failed);
            prop_assert_eq!(a.verdict(), b.verdict());
            prop_assert_eq!(x.counted, y.counted);
        }
    }
}
