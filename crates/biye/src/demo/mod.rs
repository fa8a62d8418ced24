//! The demo data set, generated in code: Shaoguan's offices, the 2023 H1 batch
//! with the notice's dates and hours, the notice's majors, and candidates whose
//! transcripts cover every graduation rule. Deterministic for a given size, so
//! tests and benchmarks can regenerate exactly what `biye demo` loaded.
//!
//! Every candidate is generated for a [`Case`]; the graduation audit must reach
//! the verdict the case names.

pub mod plans;

use jiff::civil::{date, Date, DateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::candidate::CandidateProfile;
use crate::domain::plan::{CourseKind, Plan};
use crate::domain::score::{Grade, ObtainedBy, ScoreStatus};
use crate::domain::{AdmissionNo, BatchCode, Gender, IdType, OfficeCode, Sitting};
use crate::interchange::*;

/// What a demo candidate was generated to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    /// 商务英语, every condition met.
    Passing,
    /// One elective short of the minimum credits.
    MissingElective,
    /// A required course never passed (a failing score on file).
    MissingRequired,
    /// The only pass of a required course was voided.
    VoidScore,
    /// A violation whose deferral ends after the batch's graduation date.
    ViolationDeferred,
    /// A violation whose deferral is over.
    ViolationServed,
    /// Already holds a certificate for this major and level.
    AlreadyGraduated,
    /// Practical passed at another examining school.
    PracticalElsewhere,
    /// A required course by exemption and another by substitution.
    ExemptionAndSubstitution,
    /// 英语本科, prior education verified, supplementary courses passed.
    BachelorPassing,
    /// 英语本科, prior education registered but not verified.
    BachelorUnverified,
    /// 英语本科, unrelated prior education, supplementary courses missing.
    BachelorMissingSupplementary,
    /// 英语本科, thesis at another examining school.
    ThesisElsewhere,
    /// 机械制造与自动化 with both certificates.
    MechanicalCertified,
    /// 机械制造与自动化 without the technical-school diploma.
    MechanicalUncertified,
    /// 电气自动化技术 with both certificates.
    ElectricalCertified,
    /// 药学 with a valid 执业 licence.
    PharmacyLicensed,
    /// 药学 whose licence expired before graduation.
    PharmacyLicenceExpired,
    /// 食品营养与卫生 counting 05747 without a medical diploma.
    FoodWithoutMedicalDiploma,
    /// 食品营养与卫生 counting 05747 with a medical diploma.
    FoodWithMedicalDiploma,
}

impl Case {
    pub const ALL: [Case; 20] = [
        Case::Passing,
        Case::MissingElective,
        Case::MissingRequired,
        Case::VoidScore,
        Case::ViolationDeferred,
        Case::ViolationServed,
        Case::AlreadyGraduated,
        Case::PracticalElsewhere,
        Case::ExemptionAndSubstitution,
        Case::BachelorPassing,
        Case::BachelorUnverified,
        Case::BachelorMissingSupplementary,
        Case::ThesisElsewhere,
        Case::MechanicalCertified,
        Case::MechanicalUncertified,
        Case::ElectricalCertified,
        Case::PharmacyLicensed,
        Case::PharmacyLicenceExpired,
        Case::FoodWithoutMedicalDiploma,
        Case::FoodWithMedicalDiploma,
    ];

    /// Whether the candidate should be predicted to graduate in 2023 H1.
    pub fn graduates(self) -> bool {
        matches!(
            self,
            Case::Passing
                | Case::ViolationServed
                | Case::ExemptionAndSubstitution
                | Case::BachelorPassing
                | Case::MechanicalCertified
                | Case::ElectricalCertified
                | Case::PharmacyLicensed
                | Case::FoodWithMedicalDiploma
        )
    }

    fn major(self) -> &'static str {
        match self {
            Case::BachelorPassing
            | Case::BachelorUnverified
            | Case::BachelorMissingSupplementary
            | Case::ThesisElsewhere => "050201",
            Case::MechanicalCertified | Case::MechanicalUncertified => "460104",
            Case::ElectricalCertified => "460306",
            Case::PharmacyLicensed | Case::PharmacyLicenceExpired => "100701",
            Case::FoodWithoutMedicalDiploma | Case::FoodWithMedicalDiploma => "490104",
            _ => "670202",
        }
    }
}

pub const DEMO_PASSWORD: &str = "Demo@2023";
pub const BATCH: &str = "2023H1";

/// The whole data set, one file's worth of records per kind, in import order.
pub struct DataSet {
    pub files: Vec<Records>,
    pub cases: Vec<(AdmissionNo, Case)>,
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
    let mut rng = StdRng::seed_from_u64(seed);
    let plans = plans::all();
    let mut out = Gen::default();
    for i in 0..n.max(Case::ALL.len()) {
        let case = Case::ALL[i % Case::ALL.len()];
        let plan = plans
            .iter()
            .find(|p| p.major_code.as_str() == case.major())
            .expect("every case has a plan");
        out.candidate(&mut rng, i, case, plan);
    }
    let files = vec![
        Records::Offices(offices()),
        Records::Batches(vec![batch()]),
        Records::Plans(plans),
        Records::Candidates(out.candidates),
        Records::Scores(out.scores),
        Records::Violations(out.violations),
        Records::PriorEducation(out.prior),
        Records::Qualifications(out.qualifications),
        Records::Certificates(out.certificates),
    ];
    DataSet {
        files,
        cases: out.cases,
    }
}

#[derive(Default)]
struct Gen {
    candidates: Vec<CandidateProfile>,
    scores: Vec<ScoreRecord>,
    violations: Vec<ViolationRecord>,
    prior: Vec<PriorEducationRecord>,
    qualifications: Vec<QualificationRecord>,
    certificates: Vec<CertificateRecord>,
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
            id_type: IdType::ResidentId,
            id_no: id_no(rng, birth, gender),
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
            if !take {
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
                sitting: sitting(n % 9),
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
    fn generated_records_survive_their_own_format() {
        // Whatever the generator makes must pass the importer's validation.
        let data = generate(60, 1);
        for records in &data.files {
            let text = super::super::cli::export::to_jsonl(records).unwrap();
            let parsed = read(text.as_bytes(), |_| {})
                .unwrap_or_else(|e| panic!("{:?}: {e:?}", records.kind()));
            assert_eq!(&parsed.records, records);
        }
    }
}
