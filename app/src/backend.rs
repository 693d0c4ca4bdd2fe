//! The user's backend choice ([`BackendChoice`]): `?backend=` in the page's address for one
//! visit, else the choice saved in this browser, else [`BackendChoice::Auto`]. The model
//! worker is started with it (`worker.js?backend=…`), which is where it takes effect.

use activscalar_types::engine::BackendChoice;

use crate::browser::{local_storage, query_param};

/// The `localStorage` key of the saved choice.
const KEY: &str = "activscalar.backend";

/// The choice this page runs with; an unknown name counts as none.
pub fn chosen() -> BackendChoice {
    let parse = |name: Option<String>| BackendChoice::parse(&name?);
    parse(query_param("backend"))
        .or_else(|| parse(local_storage()?.get_item(KEY).ok()?))
        .unwrap_or_default()
}

/// Saves `choice` in this browser and reloads the page (without a `?backend=`, which would
/// override it) so that a new worker starts with it.
pub fn choose(choice: BackendChoice) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(KEY, choice.as_str());
    }
    let location = window.location();
    let Ok(href) = location.href() else {
        return;
    };
    // Only a changed query reloads through `replace` (one that differs in the fragment alone
    // would just scroll).
    match web_sys::Url::new(&href) {
        Ok(url) if url.search_params().has("backend") => {
            url.search_params().delete("backend");
            let _ = location.replace(&url.href());
        }
        _ => {
            let _ = location.reload();
        }
    }
}
