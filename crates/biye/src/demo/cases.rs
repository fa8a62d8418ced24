//! The cases the demo candidates are generated for: one per graduation rule
//! and edge, each with the verdict the audit must reach.

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
    /// 计算机应用基础 and its practical part exempted together by an approved
    /// certificate exemption.
    ExemptionPair,
    /// An old-plan course substitutes for a new one under a substitution rule.
    SubstitutedByRule,
    /// A record correction completed after the pre-work deadline.
    PreworkLate,
    /// 商务英语, every condition met, but registered with a 港澳居民来往内地通行证:
    /// the automatic identity check cannot verify it, so ID attachments go to
    /// the city and provincial offices.
    HongKongPermit,
}

impl Case {
    pub const ALL: [Case; 24] = [
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
        Case::ExemptionPair,
        Case::SubstitutedByRule,
        Case::PreworkLate,
        Case::HongKongPermit,
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
                | Case::ExemptionPair
                | Case::SubstitutedByRule
                | Case::HongKongPermit
        )
    }

    /// What the case shows, in Chinese (for the demo accounts list).
    pub fn label(self) -> &'static str {
        match self {
            Case::Passing => "商务英语，条件全部满足",
            Case::MissingElective => "选考课程学分不足",
            Case::MissingRequired => "必考课程未合格",
            Case::VoidScore => "合格成绩被作废",
            Case::ViolationDeferred => "违规推迟毕业未满",
            Case::ViolationServed => "违规推迟期已满",
            Case::AlreadyGraduated => "已办理过该专业毕业",
            Case::PracticalElsewhere => "实践环节属其他主考学校",
            Case::ExemptionAndSubstitution => "含免考和顶替成绩",
            Case::BachelorPassing => "英语本科，条件全部满足",
            Case::BachelorUnverified => "本科前置学历待查验",
            Case::BachelorMissingSupplementary => "本科加考课程不足",
            Case::ThesisElsewhere => "毕业论文属其他主考学校",
            Case::MechanicalCertified => "机械制造与自动化，证书齐全",
            Case::MechanicalUncertified => "机械制造与自动化，缺技校毕业证",
            Case::ElectricalCertified => "电气自动化技术，证书齐全",
            Case::PharmacyLicensed => "药学，执业证书有效",
            Case::PharmacyLicenceExpired => "药学，执业证书过期",
            Case::FoodWithoutMedicalDiploma => "食品营养与卫生，缺医学相关学历",
            Case::FoodWithMedicalDiploma => "食品营养与卫生，有医学相关学历",
            Case::ExemptionPair => "计算机理论与实践一并免考",
            Case::SubstitutedByRule => "旧课程按规则顶替",
            Case::PreworkLate => "考籍更正逾期办结",
            Case::HongKongPermit => "港澳通行证，身份需人工审核",
        }
    }

    pub(super) fn major(self) -> &'static str {
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
