//! Compiled templates → a check that no `include` or `import` can lead back to itself, run
//! once before rendering. Tera 1 refuses circular `extends` itself but follows an include or
//! import cycle until the stack overflows and the process aborts; such a loop is refused here
//! with its path instead. Pure: reads the parsed templates only.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use tera::Tera;
use tera::ast::Node;

/// Refuses any cycle of templates through `include` or `import` (and `extends`, which renders
/// the parent in the child's place, and loads its macros). The error names the whole path, e.g. `a.html includes b.html
/// includes a.html`.
pub fn check(tera: &Tera) -> Result<()> {
    let mut edges: BTreeMap<&str, Vec<(String, &'static str)>> = BTreeMap::new();
    for name in tera.get_template_names() {
        let Ok(template) = tera.get_template(name) else {
            continue;
        };
        let mut out = Vec::new();
        if let Some(parent) = &template.parent {
            out.push((parent.clone(), "extends"));
        }
        for (file, _namespace) in &template.imported_macro_files {
            out.push((file.clone(), "imports"));
        }
        collect(&template.ast, &mut out);
        for def in template.macros.values() {
            collect(&def.body, &mut out);
        }
        out.retain(|(to, _)| tera.get_template(to).is_ok());
        out.sort();
        out.dedup();
        edges.insert(name, out);
    }
    // Iterative depth-first search (no recursion: the graph comes from user files).
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = edges.keys().map(|k| (*k, Mark::New)).collect();
    for &start in edges.keys() {
        if mark[start] != Mark::New {
            continue;
        }
        // Stack of (template, index of the next edge to follow).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        mark.insert(start, Mark::Open);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let out = &edges[node];
            if *next == out.len() {
                mark.insert(node, Mark::Done);
                stack.pop();
                continue;
            }
            let (to, _) = &out[*next];
            *next += 1;
            let Some((&to, &state)) = mark.get_key_value(to.as_str()) else {
                continue;
            };
            match state {
                Mark::Done => {}
                Mark::New => {
                    mark.insert(to, Mark::Open);
                    stack.push((to, 0));
                }
                Mark::Open => {
                    let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                    let mut path = to.to_string();
                    for (n, i) in &stack[from..] {
                        let (target, how) = &edges[n][i - 1];
                        path.push_str(&format!(" {how} {target}"));
                    }
                    bail!(
                        "template loop: {path}: an include or import must not lead back to its own template (rendering would never end); break the loop (a macro can call itself through self::name)"
                    );
                }
            }
        }
    }
    Ok(())
}

/// Every template named by an `include` in `nodes`, at any depth.
fn collect(nodes: &[Node], out: &mut Vec<(String, &'static str)>) {
    let mut todo: Vec<&[Node]> = vec![nodes];
    while let Some(nodes) = todo.pop() {
        for node in nodes {
            match node {
                Node::Include(_, names, _) => {
                    out.extend(names.iter().map(|n| (n.clone(), "includes")));
                }
                Node::Block(_, block, _) => todo.push(&block.body),
                Node::Forloop(_, f, _) => {
                    todo.push(&f.body);
                    if let Some(empty) = &f.empty_body {
                        todo.push(empty);
                    }
                }
                Node::If(cond, _) => {
                    todo.extend(cond.conditions.iter().map(|(_, _, body)| body.as_slice()));
                    if let Some((_, body)) = &cond.otherwise {
                        todo.push(body);
                    }
                }
                Node::FilterSection(_, section, _) => todo.push(&section.body),
                Node::MacroDefinition(_, def, _) => todo.push(&def.body),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera(templates: &[(&str, &str)]) -> Tera {
        let mut t = Tera::default();
        t.add_raw_templates(templates.iter().copied()).unwrap();
        t
    }

    fn err(templates: &[(&str, &str)]) -> String {
        check(&tera(templates)).unwrap_err().to_string()
    }

    #[test]
    fn self_include_is_a_loop() {
        let e = err(&[("a.html", "x{% include \"a.html\" %}")]);
        assert!(
            e.starts_with("template loop: a.html includes a.html: "),
            "{e}"
        );
    }

    #[test]
    fn include_loop_through_blocks_ifs_loops_and_extends_is_named() {
        let e = err(&[
            (
                "a.html",
                "{% block b %}{% if x %}{% include \"b.html\" %}{% endif %}{% endblock %}",
            ),
            (
                "b.html",
                "{% for i in l %}{% include [\"nope.html\", \"c.html\"] ignore missing %}{% endfor %}",
            ),
            ("c.html", "{% extends \"a.html\" %}"),
        ]);
        assert!(
            e.contains("a.html includes b.html includes c.html extends a.html"),
            "{e}"
        );
    }

    #[test]
    fn include_in_a_macro_counts() {
        let e = err(&[(
            "m.html",
            "{% macro m() %}{% include \"m.html\" %}{% endmacro m %}",
        )]);
        assert!(e.contains("m.html includes m.html"), "{e}");
    }

    #[test]
    fn import_loops_are_named() {
        let e = err(&[(
            "m.html",
            "{% import \"m.html\" as m %}{% macro f() %}x{% endmacro f %}{{ m::f() }}",
        )]);
        assert!(e.contains("m.html imports m.html"), "{e}");
        let e = err(&[
            ("a.html", "{% import \"b.html\" as b %}"),
            ("b.html", "{% import \"a.html\" as a %}"),
        ]);
        assert!(e.contains("a.html imports b.html imports a.html"), "{e}");
    }

    #[test]
    fn shared_includes_without_a_loop_pass() {
        check(&tera(&[
            ("base.html", "{% include \"h.html\" %}{% block c %}{% endblock %}"),
            ("h.html", "{% include \"i.html\" %}"),
            ("i.html", "i"),
            (
                "p.html",
                "{% extends \"base.html\" %}{% block c %}{% include \"h.html\" %}{% include \"missing.html\" ignore missing %}{% endblock %}",
            ),
        ]))
        .unwrap();
    }
}
