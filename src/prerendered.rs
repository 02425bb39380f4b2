//! Render shortcut: the pages of a zero-config run (the built-in page for codes 500, 502,
//! 503 and 504, with nothing but their catalog words) are kept ready-made in
//! `src/builtin/rendered/`, so such a run does not compile the templates (which is most of
//! its work). Used only when the page's template and context are exactly those, and no site
//! template is there; a test renders them with Tera and compares byte for byte.

use crate::catalog;
use crate::plan::{self, Page};
use crate::templates::{BUILTIN_PAGE, Engine};

/// Embeds `src/builtin/rendered/<code>.html`.
macro_rules! rendered {
    ($code:literal) => {
        (
            $code,
            include_bytes!(concat!("builtin/rendered/", $code, ".html")).as_slice(),
        )
    };
}

/// (code, bytes of `<code>.html`) for the zero-config pages.
pub const PAGES: &[(u16, &[u8])] = &[
    rendered!(500),
    rendered!(502),
    rendered!(503),
    rendered!(504),
];

/// The ready-made bytes of `page`, when it is one of [`PAGES`] exactly as shipped.
pub fn lookup(engine: &Engine, page: &Page) -> Option<&'static [u8]> {
    if !engine.builtin_only() || page.template != BUILTIN_PAGE {
        return None;
    }
    let code = catalog::code_from_dest(&page.dest)?;
    let (_, bytes) = PAGES.iter().find(|(c, _)| *c == code)?;
    let exact = page.dest == format!("{code}.html")
        && page.context() == plan::zero_config_context(code, &page.dest);
    exact.then_some(*bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::render;

    fn plan_for(vars: &[(&str, &str)]) -> (Engine, Vec<Page>) {
        let config =
            Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
        let engine = Engine::standalone(vec![], vec![]).unwrap();
        let pages = plan::plan(&config, vec![], "X", &engine).unwrap().pages;
        (engine, pages)
    }

    /// `UPDATE_PRERENDERED=1 cargo test prerendered` rewrites the files after a change to the
    /// built-in templates or the catalog.
    #[test]
    fn ready_made_pages_are_what_tera_renders() {
        let (engine, pages) = plan_for(&[]);
        assert_eq!(pages.len(), PAGES.len());
        for page in &pages {
            let shipped = lookup(&engine, page)
                .unwrap_or_else(|| panic!("{} is not served ready-made", page.dest));
            let live = render::render_live(&engine, page).unwrap();
            let path = format!(
                "{}/src/builtin/rendered/{}",
                env!("CARGO_MANIFEST_DIR"),
                page.dest
            );
            if std::env::var_os("UPDATE_PRERENDERED").is_some() {
                std::fs::write(&path, &live).unwrap();
            } else {
                assert!(
                    shipped == live.as_slice(),
                    "{path} differs from what the built-in templates render: run `UPDATE_PRERENDERED=1 cargo test prerendered` and commit it"
                );
            }
        }
    }

    /// The shortcut ignores `DOWNPAGE_STATIC_*`: valid only while no built-in template calls
    /// an asset function. If one does, `lookup` must also require the default asset store.
    #[test]
    fn ready_made_pages_do_not_depend_on_the_asset_settings() {
        let (_, pages) = plan_for(&[]);
        let engine = Engine::new(
            vec![],
            vec![],
            std::sync::Arc::new(crate::assets::AssetStore::empty(
                "https://cdn.example/elsewhere/",
            )),
            crate::parse_guard::PARSE_LIMIT,
        );
        for page in &pages {
            let live = render::render_live(&engine, page).unwrap();
            assert!(
                lookup(&engine, page) == Some(live.as_slice()),
                "{}: a built-in template uses an asset function; make prerendered::lookup require the default asset store",
                page.dest
            );
        }
    }

    #[test]
    fn anything_else_is_rendered_live() {
        for vars in [
            &[("DOWNPAGE_VAR_SITE_NAME", "Shop")][..],
            &[("DOWNPAGE_CONTEXT", r#"{"lang": "de"}"#)],
            &[("DOWNPAGE_CODES", "429,503")],
            &[("DOWNPAGE_FORMATS", "json")],
        ] {
            let (engine, pages) = plan_for(vars);
            let ready = pages.iter().filter(|p| lookup(&engine, p).is_some());
            let expected = usize::from(vars[0].0 == "DOWNPAGE_CODES");
            assert_eq!(ready.count(), expected, "{vars:?}");
        }
        let site = vec![crate::template_dirs::Source {
            name: "other.html".into(),
            path: "/t/other.html".into(),
            text: "x".into(),
        }];
        let engine = Engine::standalone(site, vec![]).unwrap();
        let (_, pages) = plan_for(&[]);
        assert!(pages.iter().all(|p| lookup(&engine, p).is_none()));
    }
}
