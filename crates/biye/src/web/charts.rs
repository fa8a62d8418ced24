//! Charts drawn by biye on the server as inline SVG: no script, no CDN, and
//! they print. One kind is enough for the dashboard: labelled bars.

/// Escapes text for an SVG text node or attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal bars, one per (label, value), scaled to the largest value.
pub fn bars(title: &str, data: &[(String, i64)]) -> String {
    const ROW: usize = 22;
    const LABEL: usize = 230;
    const WIDTH: usize = 640;
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = 28 + ROW * data.len().max(1);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    if data.is_empty() {
        svg.push_str("<text x=\"0\" y=\"40\" font-size=\"13\">暂无数据</text>");
    }
    for (i, (label, value)) in data.iter().enumerate() {
        let y = 20 + i * ROW;
        let w = (WIDTH - LABEL - 60) as i64 * value / max;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{}\" width=\"{w}\" height=\"16\" fill=\"#1e66c8\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\">{value}</text>",
            LABEL - 8,
            y + 13,
            escape(label),
            y,
            LABEL as i64 + w + 6,
            y + 13,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_and_escape() {
        let svg = bars("<t>", &[("a&b".into(), 10), ("c".into(), 5)]);
        assert!(svg.contains("&lt;t&gt;") && svg.contains("a&amp;b"));
        assert!(!svg.contains("<t>"));
        // The larger value gets the full width, the other half of it.
        assert!(
            svg.contains("width=\"350\"") && svg.contains("width=\"175\""),
            "{svg}"
        );
        assert!(bars("空", &[]).contains("暂无数据"));
    }
}
