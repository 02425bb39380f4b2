//! Near matches for error messages ("did you mean ..."), by edit distance.

/// Levenshtein distance between two strings, by characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to three candidates closest to `wanted`, nearest first, within a distance that
/// grows with the length of the word (a third of it, at least 2). Candidates that contain
/// `wanted`'s file name also count as near.
pub fn near<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let limit = (wanted.chars().count() / 3).max(2);
    let file = wanted.rsplit('/').next().unwrap_or(wanted);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = distance(wanted, c);
            let same_file = !file.is_empty() && c.rsplit('/').next() == Some(file);
            (d <= limit || same_file).then_some((d, c))
        })
        .collect();
    scored.sort_unstable();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// `; did you mean "a" or "b"?` or the empty string.
pub fn did_you_mean(matches: &[&str]) -> String {
    if matches.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = matches.iter().map(|m| format!("\"{m}\"")).collect();
    format!("; did you mean {}?", quoted.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn near_finds_typos_and_same_file_names() {
        let c = ["DOWNPAGE_OUTPUT_DIR", "DOWNPAGE_PAGES", "DOWNPAGE_CODES"];
        assert_eq!(near("DOWNPAGE_OUTPUTDIR", c), vec!["DOWNPAGE_OUTPUT_DIR"]);
        assert_eq!(
            near("DOWNPAGE_PAGE", c),
            vec!["DOWNPAGE_PAGES", "DOWNPAGE_CODES"]
        );
        let t = ["myapp/downpage_502.html", "other/502.html", "base.html"];
        assert_eq!(
            near("myapp/downpage_52.html", t),
            vec!["myapp/downpage_502.html"]
        );
        assert_eq!(near("x/502.html", t), vec!["other/502.html"]);
        assert!(did_you_mean(&[]).is_empty());
        assert_eq!(did_you_mean(&["a", "b"]), "; did you mean \"a\" or \"b\"?");
    }
}
