//! The django dialect engine (`DOWNPAGE_SYNTAX=django`): Django 5.2's template language.
//! (First cut: text, variables and `{% load %}`/`{% static %}`; the full engine follows.)

pub mod lexer;
pub mod value;

use std::collections::HashMap;

use super::{Options, Rendered};
use value::Value;

pub struct Engine {
    sources: HashMap<String, String>,
    options: Options,
}

impl Engine {
    pub fn new(sources: Vec<(String, String)>, options: Options) -> Engine {
        let mut map = HashMap::new();
        for (name, text) in sources {
            map.entry(name).or_insert(text);
        }
        Engine {
            sources: map,
            options,
        }
    }
}

impl super::Engine for Engine {
    fn render(
        &self,
        name: &str,
        context: &serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<Rendered> {
        let src = self
            .sources
            .get(name)
            .ok_or_else(|| anyhow::anyhow!("template {name} not found"))?;
        let mut out = String::new();
        for tok in lexer::tokenize(src) {
            match tok.kind {
                lexer::Kind::Text => out.push_str(tok.text),
                lexer::Kind::Var => {
                    let mut parts = tok.text.split('.');
                    let mut v = parts
                        .next()
                        .and_then(|k| context.get(k))
                        .map(Value::from_json);
                    for part in parts {
                        v = match v {
                            Some(Value::Dict(d)) => {
                                d.iter().find(|(k, _)| k == part).map(|(_, v)| v.clone())
                            }
                            Some(Value::List(l)) => {
                                part.parse::<usize>().ok().and_then(|i| l.get(i).cloned())
                            }
                            _ => None,
                        };
                    }
                    if let Some(v) = v {
                        out.push_str(&value::conditional_escape(&v).to_str());
                    }
                }
                lexer::Kind::Block => {
                    let mut bits = tok.text.split_whitespace();
                    if bits.next() == Some("static")
                        && let Some(path) = bits.next()
                    {
                        let path = path.trim_matches(['"', '\'']);
                        out.push_str(&value::escape(&super::static_url::static_url(
                            &self.options,
                            path,
                        )));
                    }
                }
                lexer::Kind::Comment => {}
            }
        }
        Ok(Rendered {
            text: out,
            stubs: Vec::new(),
        })
    }
}
