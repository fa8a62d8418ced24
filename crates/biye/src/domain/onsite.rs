//! 现场审核: the checklist of paper materials the city office checks for one
//! application, generated from the case as the notice lists it (四（四）提交材料
//! and 四（五）特殊专业要求). The reviewer ticks what was handed in; accepting
//! needs every item, and returning the application tells the candidate
//! exactly which items are missing.

use super::plan::SpecialCondition;
use super::prior::PriorKind;
use super::{IdType, Level};

/// What decides the checklist.
pub struct Case<'a> {
    pub level: Level,
    pub id_type: IdType,
    pub prior: Option<PriorKind>,
    /// Name or ID number corrected (a record correction approved), so the
    /// prior diploma no longer matches the record.
    pub identity_changed: bool,
    pub special: Option<&'a SpecialCondition>,
    /// Counted courses include one that the special condition names.
    pub counts_listed_courses: bool,
}

/// One item to tick: a stable key (the form field) and what to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: &'static str,
    pub label: String,
}

fn item(key: &'static str, label: &str) -> Item {
    Item {
        key,
        label: label.to_owned(),
    }
}

/// The checklist, each item once, in the notice's order.
pub fn checklist(c: &Case) -> Vec<Item> {
    let mut out = vec![
        item(
            "forms",
            "《毕业生登记表》一式两份（社会考生），双面激光打印，未作改动",
        ),
        item(
            "moral",
            "“考生思想品德表现”栏已由有关单位填写（黑色签字笔）并加盖公章",
        ),
    ];
    let bachelor = c.level == Level::Bachelor;
    let self_study = c.prior == Some(PriorKind::SelfStudyAssociate);
    let mut documents = |keys: &[(&'static str, &str)]| {
        for (k, l) in keys {
            if !out.iter().any(|i| i.key == *k) {
                out.push(item(k, l));
            }
        }
    };
    const DIPLOMA: (&str, &str) = ("prior_diploma", "前置学历毕业证书原件及复印件");
    const ENROLMENT: (&str, &str) = ("enrolment_report", "《教育部学籍在线验证报告》");
    const RECORD: (&str, &str) = ("chsi_record", "《教育部学历证书电子注册备案表》");
    const ID_CARD: (&str, &str) = ("id_card", "身份证原件（核验后退还）及复印件");
    if bachelor && c.id_type != IdType::ResidentId {
        documents(&[DIPLOMA]);
        if !self_study {
            documents(&[ENROLMENT]);
        }
        documents(&[RECORD, ID_CARD]);
    }
    if bachelor && c.prior == Some(PriorKind::CscseForeign) {
        documents(&[
            ("foreign_degree", "《国外学历学位认证书》原件及复印件"),
            ID_CARD,
        ]);
    }
    if bachelor && c.identity_changed {
        documents(&[DIPLOMA]);
        if !self_study {
            documents(&[ENROLMENT]);
        }
        documents(&[
            RECORD,
            ID_CARD,
            (
                "police_certificate",
                "公安部门出具的姓名或身份证号变更证明材料",
            ),
        ]);
    }
    match c.special {
        Some(SpecialCondition::VocationalCertificates { trade }) => {
            out.push(Item {
                key: "vocational_certificate",
                label: format!("{trade}类工种高级国家职业资格证书"),
            });
            out.push(item("technical_school", "高级技工学校毕业证书"));
        }
        Some(SpecialCondition::PracticeLicence) => out.push(item(
            "practice_licence",
            "有效期内的卫生类执业证书（证书上须有“执业”二字）",
        )),
        Some(SpecialCondition::MedicalDiplomaFor { .. }) if c.counts_listed_courses => {
            out.push(item(
                "medical_diploma",
                "医学、药学、护理学或其他医学相关专业的中专或专科毕业证书原件及复印件",
            ))
        }
        _ => {}
    }
    out
}

/// The items not ticked, as the candidate reads them.
pub fn missing<'a>(list: &'a [Item], ticked: &[String]) -> Vec<&'a Item> {
    list.iter()
        .filter(|i| !ticked.iter().any(|t| t == i.key))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(level: Level) -> Case<'static> {
        Case {
            level,
            id_type: IdType::ResidentId,
            prior: Some(PriorKind::ChsiRecord),
            identity_changed: false,
            special: None,
            counts_listed_courses: false,
        }
    }

    fn keys(c: &Case) -> Vec<&'static str> {
        checklist(c).into_iter().map(|i| i.key).collect()
    }

    #[test]
    fn an_ordinary_case_needs_the_stamped_forms_only() {
        assert_eq!(keys(&case(Level::Associate)), ["forms", "moral"]);
        assert_eq!(keys(&case(Level::Bachelor)), ["forms", "moral"]);
    }

    #[test]
    fn a_non_mainland_id_brings_the_listed_documents_once() {
        let c = Case {
            id_type: IdType::HkMacauPermit,
            identity_changed: true,
            ..case(Level::Bachelor)
        };
        assert_eq!(
            keys(&c),
            [
                "forms",
                "moral",
                "prior_diploma",
                "enrolment_report",
                "chsi_record",
                "id_card",
                "police_certificate"
            ]
        );
        // Self-study prior education needs no enrolment report.
        let s = Case {
            prior: Some(PriorKind::SelfStudyAssociate),
            ..c
        };
        assert!(!keys(&s).contains(&"enrolment_report"));
        // 专科 applicants bring no prior-education documents.
        let a = Case {
            id_type: IdType::HkMacauPermit,
            ..case(Level::Associate)
        };
        assert_eq!(keys(&a), ["forms", "moral"]);
    }

    #[test]
    fn a_foreign_degree_and_the_special_majors() {
        let f = Case {
            prior: Some(PriorKind::CscseForeign),
            ..case(Level::Bachelor)
        };
        assert_eq!(keys(&f), ["forms", "moral", "foreign_degree", "id_card"]);
        let trade = SpecialCondition::VocationalCertificates {
            trade: "机械".into(),
        };
        let m = Case {
            special: Some(&trade),
            ..case(Level::Associate)
        };
        let list = checklist(&m);
        assert_eq!(list[2].label, "机械类工种高级国家职业资格证书");
        assert_eq!(list[3].key, "technical_school");
        let food = SpecialCondition::MedicalDiplomaFor { courses: vec![] };
        let without = Case {
            special: Some(&food),
            ..case(Level::Associate)
        };
        assert_eq!(keys(&without), ["forms", "moral"]);
        let with = Case {
            counts_listed_courses: true,
            ..without
        };
        assert!(keys(&with).contains(&"medical_diploma"));
    }

    #[test]
    fn missing_lists_what_was_not_ticked() {
        let list = checklist(&case(Level::Associate));
        let m = missing(&list, &["forms".to_owned()]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].key, "moral");
    }
}
