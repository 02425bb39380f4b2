//! Config + page list + template names → `Plan`: the exact pages to render, each with a
//! checked destination, an existing template and its full context. Pure: no file is touched,
//! every cross-page rule (clashes, missing templates) is checked here, before rendering.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use crate::catalog;
use crate::config::{Config, Layout};
use crate::index::INDEX_NAME;
use crate::language;
use crate::pages::PageSpec;
use crate::safe_path;
use crate::suggest;
use crate::templates::{Engine, builtin_page};
use crate::theme;

/// One page to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Normalised relative destination inside the output.
    pub dest: String,
    pub template: String,
    /// The context layers every page of the same language and code shares (catalog words,
    /// `DOWNPAGE_CONTEXT`, `DOWNPAGE_VAR_*`): one copy, not one per page.
    pub shared: Layers,
    /// The page's own context, over `shared`.
    pub own: Map<String, Value>,
    /// The status code the page is for, when known (its name, its context or `DOWNPAGE_CODES`).
    pub code: Option<u16>,
    /// Where the page was asked for, for messages: `DOWNPAGE_PAGES entry 2`, `DOWNPAGE_CODES 502`.
    pub origin: String,
    /// The page's language, Django's spelling (`de-at`): `DOWNPAGE_LANG`, or its folder's
    /// language of `DOWNPAGE_LANGS`.
    pub lang: String,
}

impl Page {
    /// The page's whole context: `dest`, then the shared layers, then its own.
    pub fn context(&self) -> Map<String, Value> {
        merged(&self.dest, &self.shared, &self.own)
    }
}

fn merged(dest: &str, shared: &Map<String, Value>, own: &Map<String, Value>) -> Map<String, Value> {
    let mut ctx = Map::new();
    ctx.insert("dest".into(), Value::from(dest));
    ctx.extend(shared.iter().map(|(k, v)| (k.clone(), v.clone())));
    ctx.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    ctx
}

/// Every page to render, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub pages: Vec<Page>,
}

/// Builds the plan. `specs_source` names where `specs` came from (`DOWNPAGE_PAGES`, or
/// `DOWNPAGE_PAGES_FILE <path>`).
pub fn plan(
    config: &Config,
    specs: Vec<PageSpec>,
    specs_source: &str,
    engine: &Engine,
) -> Result<Plan> {
    let mut pages = Vec::new();
    let mut shared = Shared::default();
    // One folder per language (`DOWNPAGE_LANGS`), or the top of the output in `DOWNPAGE_LANG`.
    // With each, the built-in language whose words it gets (`de` for `de-at`). The
    // ingress-nginx layout also keeps the first language at the top, last: the stock error
    // backend reads only `/www/<code>.<ext>`, `ingress-nginx.conf` the folders.
    let mut folders: Vec<(String, &str, &'static str)> = config
        .lang_folders
        .iter()
        .map(|lang| (format!("{lang}/"), lang.as_str(), config.words_lang(lang)))
        .collect();
    if folders.is_empty() || config.layout == Layout::IngressNginx {
        folders.push((
            String::new(),
            config.lang.as_str(),
            config.words_lang(&config.lang),
        ));
    }
    // The site's pages, once per language: every language folder gets each of them.
    for (i, spec) in specs.into_iter().enumerate() {
        for (folder, lang, builtin) in &folders {
            let origin = if folder.is_empty() {
                format!("{specs_source} entry {}", i + 1)
            } else {
                format!("{specs_source} entry {} ({lang})", i + 1)
            };
            let dest =
                safe_path::check_dest(&spec.dest).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
            if !engine.has(&spec.template) {
                bail!("{}", not_found(&spec.template, &dest, &origin, engine));
            }
            let dest = format!("{folder}{dest}");
            let code = catalog::code_in(&spec.context).or_else(|| catalog::code_from_dest(&dest));
            let words = Words {
                lang,
                builtin,
                code,
                maintenance: false,
            };
            let (layers, own) =
                context_for(config, words, &dest, spec.context.clone(), &mut shared)
                    .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
            pages.push(Page {
                dest,
                template: spec.template.clone(),
                shared: layers,
                own,
                code,
                origin,
                lang: (*lang).to_string(),
            });
        }
    }
    let maintenance = config.maintenance.then_some(MAINTENANCE_CODE);
    for (folder, lang, builtin) in &folders {
        let kinds = config
            .codes
            .iter()
            .map(|&code| (code.to_string(), code, false))
            .chain(maintenance.map(|code| ("maintenance".to_string(), code, true)));
        for (stem, code, is_maintenance) in kinds {
            for format in &config.formats {
                let dest = format!("{folder}{stem}.{format}");
                let template = builtin_page(engine, &stem, format.ext());
                let origin = format!("DOWNPAGE_CODES {stem}");
                let words = Words {
                    lang,
                    builtin,
                    code: Some(code),
                    maintenance: is_maintenance,
                };
                let (layers, own) = context_for(config, words, &dest, Map::new(), &mut shared)
                    .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
                pages.push(Page {
                    dest,
                    template,
                    shared: layers,
                    own,
                    code: Some(code),
                    origin,
                    lang: (*lang).to_string(),
                });
            }
        }
    }
    for (class, formats, why) in fallbacks(config) {
        // The ingress-nginx layout's class pages go wherever its code pages go.
        let top = [(
            String::new(),
            config.lang.as_str(),
            config.words_lang(&config.lang),
        )];
        let class_folders = if why == TRAEFIK_FALLBACK {
            &top[..]
        } else {
            &folders[..]
        };
        for &(ref folder, lang, builtin) in class_folders {
            for format in &formats {
                let dest = format!("{folder}{class}xx.{format}");
                // Traefik copies a class page the site already has (DOWNPAGE_PAGES).
                if why == TRAEFIK_FALLBACK && pages.iter().any(|p| p.dest == dest) {
                    continue;
                }
                let own = format!("downpage/{class}xx.{format}");
                let template = if engine.has(&own) {
                    own
                } else {
                    format!("downpage/error.{format}")
                };
                let mut context = Map::new();
                let words = catalog::class_words(class, builtin);
                context.insert("title".into(), Value::from(words.title.as_str()));
                context.insert("message".into(), Value::from(words.message.as_str()));
                context.insert("hint".into(), Value::from(words.hint.as_str()));
                let origin = if folder.is_empty() {
                    format!("{why} {class}xx fallback")
                } else {
                    format!("{why} {class}xx fallback ({lang})")
                };
                let words = Words {
                    lang,
                    builtin,
                    code: None,
                    maintenance: false,
                };
                let (layers, own) = context_for(config, words, &dest, Map::new(), &mut shared)
                    .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
                // The class words under every other layer.
                context.extend(layers.iter().map(|(k, v)| (k.clone(), v.clone())));
                pages.push(Page {
                    dest,
                    template,
                    shared: Arc::new(context),
                    own,
                    code: None,
                    origin,
                    lang: lang.to_string(),
                });
            }
        }
    }
    check_clashes(&pages)?;
    check_derived(config, &pages)?;
    Ok(Plan { pages })
}

/// Where a class page planned for the Traefik target comes from (for messages).
const TRAEFIK_FALLBACK: &str = "DOWNPAGE_TARGETS traefik";

/// The class fallback pages (`4xx`, `5xx`) to plan: every format of both classes for the
/// ingress-nginx layout, and `.html` for the classes of `DOWNPAGE_TRAEFIK_STATUS` (the
/// Traefik target copies them under the codes that have no page).
fn fallbacks(config: &Config) -> Vec<(u8, Vec<crate::config::Format>, &'static str)> {
    if config.layout == Layout::IngressNginx {
        return [4, 5]
            .map(|c| (c, config.formats.clone(), "DOWNPAGE_LAYOUT ingress-nginx"))
            .to_vec();
    }
    if config.targets.has(crate::targets::Kind::Traefik) {
        return crate::targets::traefik::classes(config.targets.traefik_status)
            .into_iter()
            .map(|c| (c, vec![crate::config::Format::Html], TRAEFIK_FALLBACK))
            .collect();
    }
    Vec::new()
}

/// The status the maintenance page stands for.
pub const MAINTENANCE_CODE: u16 = 503;

/// Which catalog words a page gets.
#[derive(Debug, Clone, Copy)]
struct Words<'a> {
    /// The page's language (`de-at`, `fi`).
    lang: &'a str,
    /// The built-in language whose words it gets (`de` for `de-at`; for `fi`, which only the
    /// site's catalogs have, the run's fallback: [`Config::words_lang`]).
    builtin: &'static str,
    code: Option<u16>,
    /// The maintenance page: its own words, and `maintenance_message` replaces the message.
    maintenance: bool,
}

/// Context layers, later winning: the language and the catalog words for the code,
/// `DOWNPAGE_CONTEXT`, `DOWNPAGE_VAR_*`, the page's own context. The theme's ready-made
/// values (`theme`, `t`) are made from it when the page is rendered (not kept per page);
/// theme settings in the page's own context are checked here (config checked the others).
/// Returns (the shared layers, the page's own).
fn context_for(
    config: &Config,
    words: Words,
    dest: &str,
    own: Map<String, Value>,
    shared: &mut Shared,
) -> Result<(Layers, Map<String, Value>)> {
    let layers = shared.get(config, words);
    if own.keys().any(|k| theme::SETTINGS.contains(&k.as_str())) {
        theme::for_page(&merged(dest, &layers, &own)).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok((layers, own))
}

/// Context layers shared by pages (see [`Page::shared`]).
pub type Layers = Arc<Map<String, Value>>;

/// The shared context layers made so far, by language, code and maintenance.
#[derive(Default)]
struct Shared {
    made: HashMap<(String, Option<u16>, bool), Layers>,
}

impl Shared {
    /// The layers under a page's own context: the language and catalog words,
    /// `DOWNPAGE_CONTEXT`, `DOWNPAGE_VAR_*`; on the maintenance page `maintenance_message`
    /// replaces the message (a `message` of the page's own still wins).
    fn get(&mut self, config: &Config, words: Words) -> Layers {
        let key = (words.lang.to_string(), words.code, words.maintenance);
        let made = self.made.entry(key).or_insert_with(|| {
            let mut ctx = base_context(words);
            for (key, value) in config.context.iter().chain(&config.vars) {
                ctx.insert(key.clone(), value.clone());
            }
            if words.maintenance
                && let Some(message) = ctx.get("maintenance_message").cloned()
            {
                ctx.insert("message".into(), message);
            }
            Arc::new(ctx)
        });
        Arc::clone(made)
    }
}

/// The context of a zero-config built-in page (English, catalog words only): a page whose
/// context is exactly this renders as `prerendered` has it.
pub fn zero_config_context(code: u16, dest: &str) -> Map<String, Value> {
    let words = Words {
        lang: catalog::DEFAULT_LANG,
        builtin: catalog::DEFAULT_LANG,
        code: Some(code),
        maintenance: false,
    };
    let mut ctx = base_context(words);
    ctx.insert("dest".into(), Value::from(dest));
    ctx
}

/// The first context layers: the language and the catalog words for the code. `lang` is the
/// language of those words, for `<html lang>` and screen readers: the page's (`de-AT`, German
/// words), or the built-in one a language the theme lacks gets (`en` in `fi/`).
fn base_context(words: Words) -> Map<String, Value> {
    let catalog = catalog::get(words.builtin);
    let mut ctx = Map::new();
    let lang = if catalog::nearest(words.lang) == Some(words.builtin) {
        language::bcp47(words.lang)
    } else {
        catalog.lang.clone()
    };
    ctx.insert("lang".into(), Value::from(lang));
    ctx.insert("lang_name".into(), Value::from(catalog.name.as_str()));
    if let Some(code) = words.code {
        ctx.insert("code".into(), Value::from(code));
        let entry = if words.maintenance {
            Some(&catalog.maintenance)
        } else {
            catalog.lookup(code)
        };
        if let Some(entry) = entry {
            ctx.insert("title".into(), Value::from(entry.title.as_str()));
            ctx.insert("message".into(), Value::from(entry.message.as_str()));
            ctx.insert("hint".into(), Value::from(entry.hint.as_str()));
        }
    }
    if words.maintenance {
        ctx.insert("maintenance".into(), Value::Bool(true));
    }
    ctx
}

fn not_found(template: &str, dest: &str, origin: &str, engine: &Engine) -> String {
    let mut searched: Vec<String> = engine
        .dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    searched.push("the built-in templates".into());
    let hint = suggest::did_you_mean(&suggest::near(
        template,
        engine.names.iter().map(String::as_str),
    ));
    let fix = if engine.dirs.is_empty() {
        ": set DOWNPAGE_TEMPLATE_DIR to the folder that holds it"
    } else {
        ""
    };
    format!(
        "{origin}: template \"{template}\" for page {dest} not found; searched {}{hint}{fix}",
        searched.join(", ")
    )
}

/// Two pages on one destination, or a page where another needs a folder.
fn check_clashes(pages: &[Page]) -> Result<()> {
    let mut by_dest: BTreeMap<&str, &Page> = BTreeMap::new();
    for page in pages {
        if let Some(other) = by_dest.insert(&page.dest, page) {
            bail!(
                "{} and {} both write {}: give one of them another destination",
                other.origin,
                page.origin,
                page.dest
            );
        }
    }
    for page in pages {
        let mut prefix = String::new();
        for part in page
            .dest
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, p)| p)
        {
            prefix.push_str(part);
            if let Some(file) = by_dest.get(prefix.as_str()) {
                bail!(
                    "{} writes the file {} but {} needs it to be a folder for {}: rename one of them",
                    file.origin,
                    file.dest,
                    page.origin,
                    page.dest
                );
            }
            prefix.push('/');
        }
    }
    Ok(())
}

/// A page where downpage puts a file of its own: a `.gz` copy or the index.
fn check_derived(config: &Config, pages: &[Page]) -> Result<()> {
    // By destination, for the gzip check: linear in the page count, not quadratic.
    let by_dest: HashMap<&str, &Page> = if config.gzip {
        pages.iter().map(|p| (p.dest.as_str(), p)).collect()
    } else {
        HashMap::new()
    };
    let reserved = crate::targets::reserved(&config.targets);
    for page in pages {
        if let Some(name) = reserved.iter().find(|r| match r.strip_suffix('/') {
            Some(folder) => page.dest.starts_with(*r) || page.dest == folder,
            None => page.dest == **r,
        }) {
            bail!(
                "{} writes {}, where DOWNPAGE_TARGETS puts {name}: rename the page",
                page.origin,
                page.dest
            );
        }
        if config.index && page.dest == INDEX_NAME {
            bail!(
                "{} writes {INDEX_NAME}, where DOWNPAGE_INDEX=true puts the index: rename the page",
                page.origin
            );
        }
        if config.gzip
            && let Some(plain) = page.dest.strip_suffix(".gz")
            && let Some(other) = by_dest.get(plain)
        {
            bail!(
                "{} writes {}, where DOWNPAGE_GZIP=true puts the gzip copy of {} ({}): rename the page",
                page.origin,
                page.dest,
                other.dest,
                other.origin
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template_dirs::Source;
    use crate::templates::BUILTIN_PAGE;

    fn config(vars: &[(&str, &str)]) -> Config {
        Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    fn engine(names: &[&str]) -> Engine {
        let sources = names
            .iter()
            .map(|n| Source {
                name: n.to_string(),
                path: n.into(),
                text: "x".into(),
            })
            .collect();
        Engine::standalone(sources, vec!["/site/templates".into()]).unwrap()
    }

    #[allow(clippy::needless_pass_by_value)] // json!(…) literals at every call
    fn spec(dest: &str, template: &str, ctx: Value) -> PageSpec {
        PageSpec {
            dest: dest.into(),
            template: template.into(),
            context: ctx.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn zero_config_plans_default_codes_with_catalog_words() {
        let plan = plan(&config(&[]), vec![], "DOWNPAGE_PAGES", &engine(&[])).unwrap();
        let dests: Vec<_> = plan.pages.iter().map(|p| p.dest.as_str()).collect();
        assert_eq!(dests, ["500.html", "502.html", "503.html", "504.html"]);
        assert_eq!(plan.pages[1].template, BUILTIN_PAGE);
        assert_eq!(plan.pages[1].context()["title"], "Bad Gateway");
        assert_eq!(plan.pages[1].context()["code"], 502);
    }

    #[test]
    fn site_can_replace_one_code_page() {
        let c = config(&[("DOWNPAGE_CODES", "502,503")]);
        let plan = plan(&c, vec![], "X", &engine(&["downpage/503.html"])).unwrap();
        assert_eq!(plan.pages[0].template, BUILTIN_PAGE);
        assert_eq!(plan.pages[1].template, "downpage/503.html");
    }

    #[test]
    fn context_precedence_page_over_vars_over_global_over_catalog() {
        let c = config(&[
            ("DOWNPAGE_PAGES", "x"),
            (
                "DOWNPAGE_CONTEXT",
                r#"{"a":"global","b":"global","c":"global","title":"G"}"#,
            ),
            ("DOWNPAGE_VAR_B", "var"),
            ("DOWNPAGE_VAR_C", "var"),
        ]);
        let specs = vec![spec("503.html", "t.html", serde_json::json!({"c": "page"}))];
        let plan = plan(&c, specs, "X", &engine(&["t.html"])).unwrap();
        let ctx = &plan.pages[0].context();
        assert_eq!(
            (ctx["a"].as_str(), ctx["b"].as_str(), ctx["c"].as_str()),
            (Some("global"), Some("var"), Some("page"))
        );
        assert_eq!(ctx["title"], "G");
        assert_eq!(ctx["message"], catalog::lookup(503).unwrap().message);
    }

    #[test]
    fn code_from_context_brings_catalog_words() {
        let specs = vec![spec(
            "down.html",
            "t.html",
            serde_json::json!({"code": "429"}),
        )];
        let plan = plan(
            &config(&[("DOWNPAGE_PAGES", "x")]),
            specs,
            "X",
            &engine(&["t.html"]),
        )
        .unwrap();
        assert_eq!(plan.pages[0].context()["title"], "Too Many Requests");
        assert_eq!(plan.pages[0].context()["code"], "429");
    }

    #[test]
    fn missing_template_names_page_folders_and_near_matches() {
        let specs = vec![spec("502.html", "myapp/downpage_52.html", Value::Null)];
        let e = plan(
            &config(&[("DOWNPAGE_PAGES", "x")]),
            specs,
            "DOWNPAGE_PAGES",
            &engine(&["myapp/downpage_502.html"]),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "DOWNPAGE_PAGES entry 1: template \"myapp/downpage_52.html\" for page 502.html not found; searched /site/templates, the built-in templates; did you mean \"myapp/downpage_502.html\"?"
        );
    }

    #[test]
    fn clashes_are_errors_naming_both() {
        let c = config(&[("DOWNPAGE_PAGES", "x"), ("DOWNPAGE_CODES", "502")]);
        let e = plan(
            &c,
            vec![spec("./502.html", "t.html", Value::Null)],
            "DOWNPAGE_PAGES",
            &engine(&["t.html"]),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "DOWNPAGE_PAGES entry 1 and DOWNPAGE_CODES 502 both write 502.html: give one of them another destination"
        );
        let specs = vec![
            spec("a", "t.html", Value::Null),
            spec("a/b.html", "t.html", Value::Null),
        ];
        let e = plan(
            &config(&[("DOWNPAGE_PAGES", "x")]),
            specs,
            "P",
            &engine(&["t.html"]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("needs it to be a folder"), "{e}");
    }

    #[test]
    fn a_page_on_a_gzip_copy_is_named_with_the_page_it_copies() {
        let specs = vec![
            spec("b.html.gz", "t.html", Value::Null),
            spec("a.html", "t.html", Value::Null),
            spec("b.html", "t.html", Value::Null),
        ];
        let c = config(&[("DOWNPAGE_PAGES", "x"), ("DOWNPAGE_GZIP", "true")]);
        let e = plan(&c, specs.clone(), "P", &engine(&["t.html"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "P entry 1 writes b.html.gz, where DOWNPAGE_GZIP=true puts the gzip copy of b.html (P entry 3): rename the page"
        );
        let c = config(&[("DOWNPAGE_PAGES", "x")]);
        assert!(plan(&c, specs, "P", &engine(&["t.html"])).is_ok());
    }

    #[test]
    fn pages_of_one_language_and_code_share_their_layers() {
        let specs = vec![
            spec("a.html", "t.html", serde_json::json!({"code": 502, "x": 1})),
            spec("b.html", "t.html", serde_json::json!({"code": 502})),
            spec("c.html", "t.html", serde_json::json!({"code": 503})),
        ];
        let c = config(&[("DOWNPAGE_PAGES", "x"), ("DOWNPAGE_VAR_SITE_NAME", "Shop")]);
        let p = plan(&c, specs, "X", &engine(&["t.html"])).unwrap().pages;
        assert!(Arc::ptr_eq(&p[0].shared, &p[1].shared));
        assert!(!Arc::ptr_eq(&p[0].shared, &p[2].shared));
        assert_eq!(
            p[0].own.len(),
            2,
            "only the page's own keys are kept per page"
        );
        assert_eq!(p[1].context()["site_name"], "Shop");
        assert_eq!(p[1].context()["dest"], "b.html");
        assert_eq!(p[2].context()["title"], "Service Unavailable");
    }

    #[test]
    fn bad_destination_is_named_with_its_entry() {
        let e = plan(
            &config(&[("DOWNPAGE_PAGES", "x")]),
            vec![spec("../x.html", "t.html", Value::Null)],
            "DOWNPAGE_PAGES",
            &engine(&["t.html"]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("DOWNPAGE_PAGES entry 1: destination \"../x.html\" contains \"..\""),
            "{e}"
        );
    }
}
