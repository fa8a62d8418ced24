//! The labelled set's `labels.csv` (`tests/real/README.md`): per photo, per
//! rule column, a defect, none, or an empty cell the labellers left open.

use photo::Code;
use std::collections::BTreeMap;

/// Each rule column and the codes that count as the engine flagging it.
pub const COLUMNS: [(&str, &[Code]); 6] = [
    ("glasses_tinted", &[Code::GlassesTinted]),
    ("mouth_closed", &[Code::MouthClosed]),
    ("face_multiple", &[Code::FaceMultiple]),
    ("pose_roll", &[Code::Roll]),
    ("pose_yaw", &[Code::Yaw]),
    (
        "background",
        &[Code::BackgroundUniform, Code::BackgroundClutter],
    ),
];

/// The codes of `column` (one of [`COLUMNS`]).
pub fn codes(column: &str) -> &'static [Code] {
    COLUMNS
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, codes)| *codes)
        .unwrap_or_else(|| panic!("no column {column}"))
}

/// Whether `report` flags `column`: one of its codes fails.
pub fn flags(report: &photo::Report, column: &str) -> bool {
    let codes = codes(column);
    report
        .findings
        .iter()
        .any(|f| codes.contains(&f.code) && f.outcome == photo::Outcome::Fail)
}

/// One rule on the labelled photos: how many have the defect and how many
/// not, and the files the rule missed or flagged without it.
#[derive(Default, Clone)]
pub struct Tally {
    pub defects: u32,
    pub clean: u32,
    pub missed: Vec<String>,
    pub alarms: Vec<String>,
}

impl Tally {
    pub fn record(&mut self, file: &str, defect: bool, flagged: bool) {
        if defect {
            self.defects += 1;
            if !flagged {
                self.missed.push(file.to_string());
            }
        } else {
            self.clean += 1;
            if flagged {
                self.alarms.push(file.to_string());
            }
        }
    }

    /// Labelled defects flagged; 1 when there are none.
    pub fn detection(&self) -> f64 {
        if self.defects == 0 {
            return 1.0;
        }
        f64::from(self.defects - self.missed.len() as u32) / f64::from(self.defects)
    }

    /// Photos without the defect flagged; 0 when there are none.
    pub fn false_alarm(&self) -> f64 {
        if self.clean == 0 {
            return 0.0;
        }
        self.alarms.len() as f64 / f64::from(self.clean)
    }

    pub fn add(&mut self, other: &Tally) {
        self.defects += other.defects;
        self.clean += other.clean;
        self.missed.extend_from_slice(&other.missed);
        self.alarms.extend_from_slice(&other.alarms);
    }
}

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
