//! The demo data set, generated in code: Shaoguan's offices, the 2023 H1 batch
//! with the notice's dates and hours, the notice's majors, and candidates whose
//! transcripts cover every graduation rule. Deterministic for a given size, so
//! tests and benchmarks can regenerate exactly what `biye demo` loaded.
//!
//! Every candidate is generated for a [`Case`]; the graduation audit must reach
//! the verdict the case names.

pub mod cases;
pub mod facts;
pub mod plans;

pub use cases::Case;

use jiff::civil::{date, Date, DateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::audit::{PreworkKind, PreworkStatus};
use crate::domain::candidate::CandidateProfile;
use crate::domain::plan::{CourseKind, Plan};
use crate::domain::score::{Grade, ObtainedBy, ScoreStatus};
use crate::domain::{AdmissionNo, BatchCode, CourseCode, Gender, IdType, OfficeCode, Sitting};
use crate::interchange::*;

/// The certificate the demo's exemption rule rests on.
pub const COMPUTER_CERTIFICATE: &str = "全国计算机等级考试一级";

fn code(s: &str) -> CourseCode {
    CourseCode::parse(s).expect("demo course codes are valid")
}

/// 英语（二）(old plans) counts for 综合英语（二） during the transition.
pub fn substitution_rules() -> Vec<SubstitutionRuleRecord> {
    vec![SubstitutionRuleRecord {
        old_codes: vec![code("00015")],
        new_code: code("00795"),
        valid_from: date(2022, 1, 1),
        valid_to: Some(date(2025, 12, 31)),
    }]
}

/// A computer certificate exempts 计算机应用基础 and its practical part together;
/// CET-4 at 425 or more exempts 英语（二）.
pub fn exemption_rules() -> Vec<ExemptionRuleRecord> {
    vec![
        ExemptionRuleRecord {
            certificate: COMPUTER_CERTIFICATE.into(),
            min_value: None,
            course_codes: plans::COMPUTER_PAIR.iter().map(|c| code(c)).collect(),
        },
        ExemptionRuleRecord {
            certificate: "CET-4".into(),
            min_value: Some(425),
            course_codes: vec![code("00015")],
        },
    ]
}
pub const BATCH: &str = "2023H1";

/// Each generated candidate's admission number and the case it was made for.
pub type Cases = Vec<(AdmissionNo, Case)>;

/// The whole data set, one file's worth of records per kind, in import order.
pub struct DataSet {
    pub files: Vec<Records>,
    pub cases: Cases,
}

const SURNAMES: &[&str] = &[
    "陈", "李", "张", "黄", "王", "林", "刘", "吴", "何", "罗", "梁", "郑", "谢", "钟", "欧阳",
    "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀英", "嘉欣", "子轩", "雨桐", "𠇔", "䶮", "堃", "喆", "赟", "𪚥",
];
const DISTRICTS: &[&str] = &[
    "440203", "440204", "440205", "440222", "440224", "440229", "440232", "440233", "440281",
    "440282",
];

pub fn offices() -> Vec<OfficeRecord> {
    let o = |code: &str, name: &str| OfficeRecord {
        code: OfficeCode::parse(code).expect("demo office codes are valid"),
        name: name.into(),
        address: String::new(),
        phone: String::new(),
    };
    let mut list = vec![
        OfficeRecord {
            address: "韶关市武江区惠民北路 89 号市教育局大楼 9 楼 902 室".into(),
            phone: "0751-8912116".into(),
            ..o("0201", "韶关市区")
        },
        o("0202", "乐昌市"),
        o("0203", "南雄市"),
        o("0204", "仁化县"),
        o("0205", "始兴县"),
        o("0206", "翁源县"),
        o("0207", "新丰县"),
        o("0208", "乳源瑶族自治县"),
    ];
    list.sort_by(|a, b| a.code.cmp(&b.code));
    list
}

fn at(d: Date, h: i8, m: i8) -> DateTime {
    d.at(h, m, 0, 0)
}

/// 2023 年上半年, with the notice's dates and on-site hours.
pub fn batch() -> BatchRecord {
    let office = OfficeCode::parse("0201").expect("valid");
    let location = "韶关市武江区惠民北路 89 号市教育局大楼 9 楼 902 室".to_owned();
    let mut onsite_sessions = Vec::new();
    for day in [19, 20] {
        for (h1, m1, h2, m2) in [(8, 30, 11, 30), (14, 30, 17, 0)] {
            onsite_sessions.push(OnsiteSessionRecord {
                office_code: office.clone(),
                opens: at(date(2023, 6, day), h1, m1),
                closes: at(date(2023, 6, day), h2, m2),
                location: location.clone(),
            });
        }
    }
    BatchRecord {
        code: BatchCode::parse(BATCH).expect("valid"),
        name: "2023 年上半年".into(),
        application_opens: at(date(2023, 6, 14), 0, 0),
        application_closes: at(date(2023, 6, 21), 0, 0),
        prework_due: at(date(2023, 5, 1), 0, 0),
        prior_education_due: at(date(2023, 6, 1), 0, 0),
        prior_education_supplement_due: at(date(2023, 7, 3), 0, 0),
        materials_due: at(date(2023, 6, 21), 0, 0),
        graduation_date: date(2023, 6, 30),
        certificate_note: "预计 2023 年 11 月".into(),
        onsite_sessions,
    }
}

fn id_no(rng: &mut StdRng, birth: Date, gender: Gender) -> String {
    let region = DISTRICTS[rng.gen_range(0..DISTRICTS.len())];
    let mut seq: u32 = rng.gen_range(0..500) * 2;
    if gender == Gender::Male {
        seq += 1;
    }
    let body = format!("{region}{}{seq:03}", birth.strftime("%Y%m%d"));
    let check = crate::domain::ids::id_check_char(body.as_bytes());
    format!("{body}{check}")
}

/// Sittings from April 2020 on, three a year.
fn sitting(n: usize) -> Sitting {
    let months = [1, 4, 10];
    let year = 2020 + (n + 1) / 3;
    let month = months[(n + 1) % 3];
    Sitting::parse(&format!("{year:04}{month:02}")).expect("generated sittings are valid")
}

/// Generates `n` candidates (at least one per case) and everything they need.
pub fn generate(n: usize, seed: u64) -> DataSet {
    let mut files = Vec::new();
    let cases = each_block(n, seed, usize::MAX, |block| {
        files = block;
        Ok(())
    })
    .expect("collecting in memory cannot fail");
    DataSet { files, cases }
}

/// Writes the data set as import files in `dir`, one per kind in import
/// order, a block of candidates at a time: `biye demo --candidates 200000`
/// holds a few thousand candidates' records at once, not two million scores.
pub fn write_files(
    dir: &std::path::Path,
    n: usize,
    seed: u64,
) -> std::io::Result<(Vec<std::path::PathBuf>, Cases)> {
    use std::io::Write as _;
    let mut writers: Vec<(std::path::PathBuf, std::io::BufWriter<std::fs::File>)> = Vec::new();
    let cases = each_block(n, seed, 2000, |block| {
        if writers.is_empty() {
            for (i, records) in block.iter().enumerate() {
                let path = dir.join(format!("{i:02}-{}.jsonl", records.kind().as_str()));
                let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
                write_header(&mut w, records.kind())?;
                writers.push((path, w));
            }
        }
        for (records, (_, w)) in block.iter().zip(&mut writers) {
            write_records(w, records)?;
        }
        Ok(())
    })?;
    let mut paths = Vec::new();
    for (path, mut w) in writers {
        w.flush()?;
        paths.push(path);
    }
    Ok((paths, cases))
}

/// Generates candidates `block` at a time and hands each block's records to
/// `sink` (reference data comes with the first block only).
fn each_block(
    n: usize,
    seed: u64,
    block: usize,
    mut sink: impl FnMut(Vec<Records>) -> std::io::Result<()>,
) -> std::io::Result<Cases> {
    let mut rng = StdRng::seed_from_u64(seed);
    let plans = plans::all();
    let mut out = Gen::default();
    let mut first = true;
    let total = n.max(Case::ALL.len());
    for i in 0..total {
        let case = Case::ALL[i % Case::ALL.len()];
        let plan = plans
            .iter()
            .find(|p| p.major_code.as_str() == case.major())
            .expect("every case has a plan");
        out.candidate(&mut rng, i, case, plan);
        if (i + 1) % block == 0 || i + 1 == total {
            sink(vec![
                Records::Offices(if first { offices() } else { Vec::new() }),
                Records::Batches(if first { vec![batch()] } else { Vec::new() }),
                Records::Plans(if first { plans.clone() } else { Vec::new() }),
                Records::Candidates(std::mem::take(&mut out.candidates)),
                Records::Scores(std::mem::take(&mut out.scores)),
                Records::Violations(std::mem::take(&mut out.violations)),
                Records::PriorEducation(std::mem::take(&mut out.prior)),
                Records::Qualifications(std::mem::take(&mut out.qualifications)),
                Records::Certificates(std::mem::take(&mut out.certificates)),
                Records::SubstitutionRules(if first {
                    substitution_rules()
                } else {
                    Vec::new()
                }),
                Records::ExemptionRules(if first { exemption_rules() } else { Vec::new() }),
                Records::Prework(std::mem::take(&mut out.prework)),
            ])?;
            first = false;
        }
    }
    Ok(out.cases)
}

#[derive(Default)]
struct Gen {
    candidates: Vec<CandidateProfile>,
    scores: Vec<ScoreRecord>,
    violations: Vec<ViolationRecord>,
    prior: Vec<PriorEducationRecord>,
    qualifications: Vec<QualificationRecord>,
    certificates: Vec<CertificateRecord>,
    prework: Vec<PreworkRecord>,
    cases: Vec<(AdmissionNo, Case)>,
}

impl Gen {
    fn candidate(&mut self, rng: &mut StdRng, i: usize, case: Case, plan: &Plan) {
        // 12 digits: office 0201, registration period, sequence.
        let periods = [
            "181", "182", "191", "192", "201", "202", "211", "212", "221", "222",
        ];
        let admission = format!(
            "0201{}{:05}",
            periods[(i / 99_999) % periods.len()],
            i % 99_999 + 1
        );
        let admission_no =
            AdmissionNo::parse(&admission).expect("generated admission numbers are valid");
        let gender = if rng.gen_bool(0.5) {
            Gender::Male
        } else {
            Gender::Female
        };
        let birth = date(
            rng.gen_range(1980..2004),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        );
        let name = format!(
            "{}{}",
            SURNAMES[rng.gen_range(0..SURNAMES.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())]
        );
        self.candidates.push(CandidateProfile {
            admission_no: admission_no.clone(),
            name,
            gender,
            id_type: if case == Case::HongKongPermit {
                IdType::HkMacauPermit
            } else {
                IdType::ResidentId
            },
            id_no: if case == Case::HongKongPermit {
                format!("H{:08}", rng.gen_range(0..100_000_000u32))
            } else {
                id_no(rng, birth, gender)
            },
            birth_date: birth,
            ethnicity: if i % 17 == 0 {
                "13".into()
            } else {
                "01".into()
            },
            political_status: if i % 5 == 0 { "03".into() } else { "13".into() },
            native_place: "广东韶关".into(),
            education_level: if plan.level == crate::domain::Level::Bachelor {
                "30".into()
            } else {
                "61".into()
            },
            occupation: "职员".into(),
            employer: "韶关市某某有限公司".into(),
            phone: format!("13{:09}", rng.gen_range(0..1_000_000_000u32)),
            address: "韶关市武江区新华南路 1 号".into(),
            office_code: Some(OfficeCode::parse("0201").expect("valid")),
            major_code: Some(plan.major_code.clone()),
            examining_school_code: Some(plan.examining_school_code.clone()),
            course_group: String::new(),
        });
        self.transcript(rng, &admission_no, case, plan);
        self.extras(&admission_no, case, plan);
        self.cases.push((admission_no, case));
    }

    /// Passes for what the plan needs, then the case's twist.
    fn transcript(&mut self, rng: &mut StdRng, a: &AdmissionNo, case: Case, plan: &Plan) {
        let mut elective_credits = 0;
        let elective_min = 12; // generous: every demo plan needs at most 12
        let food_medical = matches!(
            case,
            Case::FoodWithoutMedicalDiploma | Case::FoodWithMedicalDiploma
        );
        for (n, c) in plan.courses.iter().enumerate() {
            let take = match c.kind {
                CourseKind::Required | CourseKind::Practical | CourseKind::Thesis => true,
                CourseKind::Supplementary => case != Case::BachelorMissingSupplementary,
                CourseKind::Elective => {
                    let medical = plans::FOOD_MEDICAL_COURSES.contains(&c.code.as_str());
                    let wanted = if food_medical {
                        medical && elective_credits < elective_min
                    } else {
                        !medical && elective_credits < elective_min
                    };
                    let short = case == Case::MissingElective
                        && elective_credits + c.credits.unwrap_or(0) >= 12;
                    wanted && !short
                }
            };
            let exempted =
                case == Case::ExemptionPair && plans::COMPUTER_PAIR.contains(&c.code.as_str());
            if !take || exempted {
                continue;
            }
            if c.kind == CourseKind::Elective {
                elective_credits += c.credits.unwrap_or(0);
            }
            let grade_scored = matches!(c.kind, CourseKind::Practical | CourseKind::Thesis);
            let elsewhere = (case == Case::PracticalElsewhere && c.kind == CourseKind::Practical)
                || (case == Case::ThesisElsewhere && c.kind == CourseKind::Thesis);
            let mut row = ScoreRecord {
                admission_no: a.clone(),
                course_code: c.code.clone(),
                course_name: c.name.clone(),
                sitting: sitting(n.min(9)),
                obtained_by: ObtainedBy::Exam,
                score: (!grade_scored).then(|| rng.gen_range(60..=95)),
                grade: grade_scored.then_some(Grade::Pass),
                credits: c.credits,
                status: ScoreStatus::Valid,
                major_code: grade_scored.then(|| plan.major_code.clone()),
                examining_school_code: grade_scored.then(|| {
                    if elsewhere {
                        crate::domain::SchoolCode::parse("999").expect("valid")
                    } else {
                        plan.examining_school_code.clone()
                    }
                }),
            };
            if case == Case::SubstitutedByRule && c.code.as_str() == "00795" {
                row.course_code = code("00015");
                row.course_name = "英语（二）".into();
            }
            let first_required = c.kind == CourseKind::Required && n == 2;
            match case {
                Case::MissingRequired if first_required => row.score = Some(rng.gen_range(30..60)),
                Case::VoidScore if first_required => row.status = ScoreStatus::Void,
                Case::ExemptionAndSubstitution if n == 2 => {
                    row.obtained_by = ObtainedBy::Exemption;
                    row.score = Some(60);
                }
                Case::ExemptionAndSubstitution if n == 3 => {
                    row.obtained_by = ObtainedBy::Substitution
                }
                _ => {}
            }
            self.scores.push(row);
        }
    }

    fn extras(&mut self, a: &AdmissionNo, case: Case, plan: &Plan) {
        let q = |kind: &str, title: &str, valid_until: Option<Date>| QualificationRecord {
            admission_no: a.clone(),
            kind: kind.into(),
            title: title.into(),
            value: None,
            valid_until,
        };
        match case {
            Case::ViolationDeferred | Case::ViolationServed => {
                self.violations.push(ViolationRecord {
                    admission_no: a.clone(),
                    sitting: Sitting::parse("202104").expect("valid"),
                    description: "携带手机进入考场".into(),
                    deferred_until: if case == Case::ViolationDeferred {
                        date(2023, 7, 1)
                    } else {
                        date(2022, 4, 16)
                    },
                })
            }
            Case::AlreadyGraduated => self.certificates.push(CertificateRecord {
                admission_no: a.clone(),
                certificate_no: format!("{}6440201221{}0", '6', a.sequence()),
                major_code: plan.major_code.clone(),
                level: plan.level,
                issued_on: date(2022, 12, 20),
                courses_used: vec![],
            }),
            Case::MechanicalCertified | Case::ElectricalCertified => {
                let trade = if case == Case::MechanicalCertified {
                    "机械类（车工）"
                } else {
                    "电气类（维修电工）"
                };
                self.qualifications.push(q(
                    "vocational_senior",
                    &format!("{trade}高级国家职业资格证书"),
                    None,
                ));
                self.qualifications
                    .push(q("technical_school", "高级技工学校毕业证书", None));
            }
            Case::ExemptionPair => self.prework.push(PreworkRecord {
                admission_no: a.clone(),
                kind: PreworkKind::Exemption,
                status: PreworkStatus::Approved,
                requested_at: at(date(2023, 3, 1), 9, 30),
                completed_at: Some(at(date(2023, 3, 20), 16, 0)),
                certificate: COMPUTER_CERTIFICATE.into(),
                course_codes: vec![code(plans::COMPUTER_PAIR[0])],
                from_reference: String::new(),
                field: String::new(),
                old_value: String::new(),
                new_value: String::new(),
            }),
            Case::PreworkLate => self.prework.push(PreworkRecord {
                admission_no: a.clone(),
                kind: PreworkKind::RecordCorrection,
                status: PreworkStatus::Approved,
                requested_at: at(date(2023, 4, 20), 10, 0),
                completed_at: Some(at(date(2023, 5, 10), 15, 0)),
                certificate: String::new(),
                course_codes: vec![],
                from_reference: String::new(),
                field: "id_upgrade".into(),
                old_value: "440203800101001".into(),
                new_value: "440203198001010010".into(),
            }),
            Case::MechanicalUncertified => self.qualifications.push(q(
                "vocational_senior",
                "机械类（钳工）高级国家职业资格证书",
                None,
            )),
            Case::PharmacyLicensed => self.qualifications.push(q(
                "practice_licence",
                "执业药师注册证",
                Some(date(2026, 12, 31)),
            )),
            Case::PharmacyLicenceExpired => self.qualifications.push(q(
                "practice_licence",
                "执业药师注册证",
                Some(date(2023, 3, 31)),
            )),
            _ => {}
        }
        if plan.level == crate::domain::Level::Bachelor || case == Case::FoodWithMedicalDiploma {
            let verified = case != Case::BachelorUnverified;
            self.prior.push(PriorEducationRecord {
                admission_no: a.clone(),
                category: if case == Case::BachelorMissingSupplementary {
                    "unrelated".into()
                } else {
                    "related".into()
                },
                verification: Verification::ChsiRecord,
                diploma_no: format!("1{:016}", a.as_str().parse::<u64>().unwrap_or(0)),
                school: if case == Case::FoodWithMedicalDiploma {
                    "韶关学院医学院".into()
                } else {
                    "韶关学院".into()
                },
                major: if case == Case::FoodWithMedicalDiploma {
                    "护理".into()
                } else {
                    "商务英语".into()
                },
                level: "专科".into(),
                medical_related: case == Case::FoodWithMedicalDiploma,
                graduated_on: Some(date(2019, 6, 30)),
                associate_admission_no: None,
                registered_at: at(date(2023, 5, 20), 10, 0),
                status: if verified {
                    PriorEducationStatus::Verified
                } else {
                    PriorEducationStatus::Registered
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_covers_every_case() {
        let a = generate(40, 7);
        let b = generate(40, 7);
        assert_eq!(a.cases, b.cases);
        assert_eq!(a.files, b.files);
        for case in Case::ALL {
            assert!(a.cases.iter().any(|(_, c)| *c == case), "{case:?}");
        }
    }

    #[test]
    fn every_demo_candidate_is_predicted_as_its_case_says() {
        use crate::domain::audit::{evaluate, explain, Verdict};
        let data = generate(Case::ALL.len() * 3, 5);
        let a = facts::audits(&data, "2023-06-15T09:00".parse().unwrap());
        assert_eq!(a.subjects.len(), Case::ALL.len() * 3);
        for s in &a.subjects {
            let plan = &a.plans[s.plan];
            let e = evaluate(plan, &s.facts, &a.context);
            let audit = explain(plan, &s.facts, &a.context, &e);
            assert_eq!(
                e.verdict() == Verdict::Graduates,
                s.case.graduates(),
                "{} {:?}: {}",
                s.admission_no,
                s.case,
                audit.summary
            );
        }
    }

    #[test]
    fn generated_records_survive_their_own_format() {
        // Whatever the generator makes must pass the importer's validation.
        let data = generate(60, 1);
        for records in &data.files {
            let text = super::super::cli::export::to_jsonl(records).unwrap();
            let parsed =
                read(text.as_bytes()).unwrap_or_else(|e| panic!("{:?}: {e:?}", records.kind()));
            assert_eq!(&parsed.records, records);
        }
    }
}
