//! Results that outlive the tab: permalinks in the URL fragment (never sent to a server),
//! JSON and safetensors export, JSON import, and the autosave of the user's own last fit —
//! kept in its own slot, so that opening a link or a file never replaces it.

use std::sync::Arc;

use activscalar_types::model::ModelOrigin;
use activscalar_types::result::FitResult;
use activscalar_types::sweep::Sweep;
use activscalar_types::{export, permalink};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::events::add_sweeps;
use super::{Controller, DEFAULT_MODEL_SHA256, DEFAULT_MODEL_URL};
use crate::browser::{download, local_storage, mark_body, query_param};
use crate::store::{Job, Origin};

/// Fragment key of a permalink: `#r=as1.…`.
const FRAGMENT_KEY: &str = "#r=";
/// Browser-storage key of the user's last fit.
const AUTOSAVE_KEY: &str = "activscalar.last-fit";
/// Results larger than this (as JSON) are not autosaved (SteerVec on big models).
const AUTOSAVE_MAX: usize = 4_000_000;

fn say(c: Controller, m: Result<String, String>) {
    c.store.share_message.set(Some(m));
}

/// Opens a permalink from the URL fragment, or else restores the user's last fit. A link that
/// cannot be opened still leaves the user's own last fit on the page.
pub fn restore_on_start(c: Controller) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if let Some(link) = hash.strip_prefix(FRAGMENT_KEY) {
        if let Err(why) = open_link(c, link) {
            let kept = match restore_autosave(c) {
                Some(Ok(m) | Err(m)) => format!(" {m}"),
                None => String::new(),
            };
            say(c, Err(format!("{why}{kept}")));
        }
    } else if let Some(m) = restore_autosave(c) {
        say(c, m);
    }
}

/// Opens a permalink; on failure shows nothing and returns the message.
fn open_link(c: Controller, link: &str) -> Result<(), String> {
    let r = match permalink::decode(link) {
        Ok(r) => r,
        Err(e) => {
            mark_body("data-permalink", "error");
            return Err(format!(
                "Could not open the shared link: {e}. Nothing else on the page was changed."
            ));
        }
    };
    let default = r.model.weights_sha256 == DEFAULT_MODEL_SHA256;
    // A model named in the page's address wins over the one the link names.
    let asked = query_param("model").is_some() || query_param("hub").is_some();
    let hub = match &r.model.origin {
        ModelOrigin::Hub(m) if !default => Some(m.clone()),
        _ => None,
    };
    let next = match (&hub, default) {
        _ if asked => format!(
            "The page loads the model its address names; this result was learned on {}.",
            r.model.how_to_get()
        ),
        (_, true) => "Loading the default model it was learned on…".to_string(),
        (Some(m), _) => format!(
            "Loading {} from the Hub, which it was learned on; its weights are checked against the result's hash…",
            m.id()
        ),
        (None, _) => format!(
            "To use the β dial, load {}: the page checks it by its hash.",
            r.model.how_to_get()
        ),
    };
    say(
        c,
        Ok(format!(
            "Opened a shared {} result on {} ({} {}-layer model). {next}",
            r.options.method.as_str(),
            r.task.name(),
            r.model.arch,
            r.model.n_layers,
        )),
    );
    if !asked {
        match hub {
            _ if default => c.load_url(DEFAULT_MODEL_URL),
            Some(m) => c.load_hub(
                &format!("{}@{}", m.repo, m.revision),
                m.file.as_deref().unwrap_or(""),
            ),
            None => {}
        }
    }
    c.show(Arc::new(r), Origin::Link);
    mark_body("data-permalink", "ready");
    Ok(())
}

/// Shows the user's last fit kept in this browser, validated like any other result; the
/// message to show (`None`: nothing was kept). A kept fit that fails is named and left where
/// it is (the next fit replaces it).
fn restore_autosave(c: Controller) -> Option<Result<String, String>> {
    let saved = local_storage().and_then(|s| s.get_item(AUTOSAVE_KEY).ok().flatten())?;
    match FitResult::from_json(saved.as_bytes(), "the saved fit") {
        Ok(r) => {
            let m = format!(
                "Restored your last fit ({} on {}) from this browser's storage.",
                r.options.method.as_str(),
                r.task.name()
            );
            c.show(Arc::new(r), Origin::Autosave);
            mark_body("data-restored", "yes");
            Some(Ok(m))
        }
        Err(e) => {
            mark_body("data-restored", "refused");
            Some(Err(format!(
                "Your last fit kept in this browser could not be restored: {e}."
            )))
        }
    }
}

/// Saves the shown result when it is the user's own fit, once the page has drawn it (a task
/// later: the view updates first), so that only a result that validated and rendered is kept.
pub fn autosave(c: Controller) {
    set_timeout(move || save_shown_fit(c), std::time::Duration::ZERO);
}

/// [`autosave`]'s work; says so when the fit cannot be kept.
fn save_shown_fit(c: Controller) {
    let Some(shown) = c.store.result.get_untracked() else {
        return;
    };
    if shown.origin != Origin::Fit {
        return;
    }
    let json = serde_json::to_string(&*shown.result).unwrap_or_default();
    let skipped = if let Err(e) = shown.result.validate() {
        Some(format!(
            "This fit was not kept for the next visit: {e}. Export it as JSON to keep it."
        ))
    } else if json.len() > AUTOSAVE_MAX {
        Some(format!(
            "This fit ({:.1} MB as JSON) is too large for the browser's storage and was not kept for the next visit: export it as JSON to keep it.",
            json.len() as f64 / 1e6
        ))
    } else {
        match local_storage().map(|s| s.set_item(AUTOSAVE_KEY, &json)) {
            Some(Ok(())) => None,
            _ => Some(
                "The browser refused to store this fit (storage full or disabled): it will not come back after a reload; export it as JSON to keep it."
                    .to_string(),
            ),
        }
    };
    match skipped {
        None => mark_body("data-autosaved", "yes"),
        Some(why) => {
            mark_body("data-autosaved", "skipped");
            say(c, Err(why));
        }
    }
}

/// Asks before the tab is closed or reloaded while a fit or sweep runs.
pub fn guard_unload(c: Controller) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let guard = Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(
        move |ev: web_sys::BeforeUnloadEvent| {
            if matches!(c.store.job.get_untracked(), Job::Fitting | Job::Sweeping) {
                ev.prevent_default();
                ev.set_return_value("A fit is running; leaving the page ends it.");
            }
        },
    );
    let _ = w.add_event_listener_with_callback("beforeunload", guard.as_ref().unchecked_ref());
    guard.forget();
}

/// Puts the shown result in a permalink, in the address bar and on the clipboard; returns it.
pub fn share(c: Controller) -> Option<String> {
    let shown = c.store.result.get_untracked()?;
    match permalink::encode(&shown.result) {
        Ok(p) => {
            let w = web_sys::window()?;
            let base = w.location().href().ok()?;
            let url = format!("{}{FRAGMENT_KEY}{p}", base.split('#').next().unwrap_or(""));
            let _ = w.location().set_hash(&format!("r={p}"));
            let _ = w.navigator().clipboard().write_text(&url);
            say(
                c,
                Ok(format!(
                    "Link created ({} characters) and copied to the clipboard.",
                    url.len()
                )),
            );
            Some(url)
        }
        Err(e) => {
            say(c, Err(e.to_string()));
            None
        }
    }
}

fn file_stem(r: &FitResult, ext: &str) -> String {
    format!(
        "activscalar-{}-{}.{ext}",
        r.options.method.as_str(),
        r.task.name()
    )
}

/// Downloads the shown result as JSON.
pub fn export_json(c: Controller) {
    if let Some(shown) = c.store.result.get_untracked() {
        match serde_json::to_vec_pretty(&*shown.result) {
            Ok(b) => download(&file_stem(&shown.result, "json"), "application/json", &b),
            Err(e) => say(c, Err(e.to_string())),
        }
    }
}

/// Downloads the shown result's θ as safetensors with TransformerLens names.
pub fn export_safetensors(c: Controller) {
    if let Some(shown) = c.store.result.get_untracked() {
        match export::to_safetensors(&shown.result) {
            Ok(b) => download(
                &file_stem(&shown.result, "safetensors"),
                "application/octet-stream",
                &b,
            ),
            Err(e) => say(c, Err(e.to_string())),
        }
    }
}

/// Opens a result file `name` with contents `bytes` (a sweep file goes to the trade-off
/// chart); a bad file leaves the page as it was.
pub fn import(c: Controller, name: &str, bytes: &[u8]) {
    if Sweep::looks_like_sweep(bytes) {
        let m = import_sweeps(c, name, bytes);
        say(c, m);
        return;
    }
    match FitResult::from_json(bytes, name) {
        Ok(r) => {
            say(c, Ok(format!("Imported {name}.")));
            c.show(Arc::new(r), Origin::Import(name.to_string()));
            mark_body("data-import", "ready");
        }
        Err(e) => {
            say(c, Err(e.to_string()));
            mark_body("data-import", "error");
        }
    }
}

/// Puts the sweeps of the file `name` on the trade-off chart, each replacing the curve of the
/// same label; a bad file leaves the chart as it was. Returns what to tell the user.
pub fn import_sweeps(c: Controller, name: &str, bytes: &[u8]) -> Result<String, String> {
    match Sweep::from_json(bytes, name) {
        Ok(sweeps) => {
            let labels: Vec<String> = sweeps.iter().map(Sweep::label).collect();
            add_sweeps(c.store, sweeps);
            mark_body("data-import", "sweep");
            Ok(format!(
                "Imported {name} to the trade-off chart: {}.",
                labels.join("; ")
            ))
        }
        Err(e) => {
            mark_body("data-import", "error");
            Err(e.to_string())
        }
    }
}

/// Downloads `sweep` as JSON, in the file format `activscalar sweep` writes.
pub fn export_sweep(c: Controller, sweep: &Sweep) {
    let Some(p) = sweep.points.first() else {
        return;
    };
    let name = format!(
        "activscalar-sweep-{}-{}-seed{}.json",
        p.options.method.as_str(),
        p.task.name(),
        p.task.seed
    );
    match serde_json::to_vec_pretty(sweep) {
        Ok(b) => download(&name, "application/json", &b),
        Err(e) => c.store.sweep_message.set(Some(Err(e.to_string()))),
    }
}
