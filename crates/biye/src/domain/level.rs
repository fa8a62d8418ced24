//! 层次 (level) and the code tables of the national standards the record uses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 专科
    Associate,
    /// 本科
    Bachelor,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Associate => "associate",
            Level::Bachelor => "bachelor",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "associate" => Some(Level::Associate),
            "bachelor" => Some(Level::Bachelor),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Level::Associate => "专科",
            Level::Bachelor => "本科",
        }
    }
    /// The level digit of a certificate number (`5` 本科, `6` 专科).
    pub fn certificate_digit(self) -> char {
        match self {
            Level::Associate => '6',
            Level::Bachelor => '5',
        }
    }
}

/// GB/T 4762 政治面貌 codes.
pub const POLITICAL_STATUS: &[(&str, &str)] = &[
    ("01", "中共党员"),
    ("02", "中共预备党员"),
    ("03", "共青团员"),
    ("04", "民革党员"),
    ("05", "民盟盟员"),
    ("06", "民建会员"),
    ("07", "民进会员"),
    ("08", "农工党党员"),
    ("09", "致公党党员"),
    ("10", "九三学社社员"),
    ("11", "台盟盟员"),
    ("12", "无党派人士"),
    ("13", "群众"),
];

/// GB/T 4658 学历 codes used for 最后学历.
pub const EDUCATION_LEVEL: &[(&str, &str)] = &[
    ("10", "研究生"),
    ("20", "大学本科"),
    ("30", "大学专科"),
    ("40", "中等专科"),
    ("60", "普通高中"),
    ("61", "高中（职高）"),
    ("70", "初中"),
    ("80", "小学"),
    ("90", "其他"),
];

/// GB/T 3304 民族 codes (the 56 ethnic groups, in the standard's order).
pub const ETHNICITY: &[&str] = &[
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

/// Looks a two-digit code up in a table, returning its Chinese label.
pub fn label_of(table: &[(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The ethnicity label for a GB/T 3304 two-digit code ("01" → 汉族).
pub fn ethnicity_label(code: &str) -> Option<&'static str> {
    let n: usize = code.parse().ok()?;
    (code.len() == 2).then_some(())?;
    ETHNICITY.get(n.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_tables() {
        assert_eq!(ETHNICITY.len(), 56);
        assert_eq!(ethnicity_label("01"), Some("汉族"));
        assert_eq!(ethnicity_label("56"), Some("基诺族"));
        assert_eq!(ethnicity_label("57"), None);
        assert_eq!(ethnicity_label("00"), None);
        assert_eq!(ethnicity_label("1"), None);
        assert_eq!(label_of(POLITICAL_STATUS, "13"), Some("群众"));
        assert_eq!(label_of(EDUCATION_LEVEL, "20"), Some("大学本科"));
    }
}
