//! The labelled set's `labels.csv` (`tests/real/README.md`): per photo, per
//! rule column, a defect, none, or an empty cell the labellers left open.

use std::collections::BTreeMap;

/// One labelled photo: its file and, per rule column, `Some(defect)` or `None`
/// when the labeller could not tell.
pub struct Labelled {
    pub file: String,
    pub labels: BTreeMap<String, Option<bool>>,
}

/// Every row of `labels.csv`, in order.
pub fn read() -> Vec<Labelled> {
    let text = std::fs::read_to_string(super::real_dir().join("labels.csv")).expect("labels.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "row {line}");
            let labels = header
                .iter()
                .zip(&cells)
                .skip(3)
                .map(|(h, c)| {
                    let v = match *c {
                        "1" => Some(true),
                        "0" => Some(false),
                        "" => None,
                        other => panic!("label {other:?} in {line}"),
                    };
                    (h.to_string(), v)
                })
                .collect();
            Labelled {
                file: cells[0].to_string(),
                labels,
            }
        })
        .collect()
}
