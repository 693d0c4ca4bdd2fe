//! Models on the Hugging Face Hub (or a mirror with its URL layout), named as researchers name
//! them: `org/name`, an optional `@revision`, and for GGUF repositories the file. Everything
//! here is checked before it becomes a URL, because ids arrive from links.

use serde::{Deserialize, Serialize};

/// The Hub the page and the CLI load from unless told otherwise (`?hub-base=`, `--hub-base`).
pub const DEFAULT_HUB_BASE: &str = "https://huggingface.co";

/// The revision used when an id names none.
pub const DEFAULT_REVISION: &str = "main";

/// The files of a Hugging Face model folder, fetched in this order.
pub const CONFIG: &str = "config.json";
/// The tokenizer file.
pub const TOKENIZER: &str = "tokenizer.json";
/// The single weights file.
pub const WEIGHTS: &str = "model.safetensors";
/// The index of sharded weights (fetched when [`WEIGHTS`] is absent).
pub const WEIGHTS_INDEX: &str = "model.safetensors.index.json";

/// Most shards an index may name.
const MAX_SHARDS: usize = 64;

/// A model repository on the Hub at one revision, and optionally one GGUF file of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubModel {
    /// `org/name`.
    pub repo: String,
    /// Branch, tag or commit (`main` by default).
    pub revision: String,
    /// A `.gguf` file in the repository; `None` loads its Hugging Face files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// One `org` or `name` part: 1–96 of `[A-Za-z0-9._-]`, not starting with `.` or `-`, no `..`.
fn check_part(part: &str, what: &str, spec: &str) -> Result<(), String> {
    let ok = (1..=96).contains(&part.len())
        && part.chars().all(id_char)
        && !part.starts_with(['.', '-'])
        && !part.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{spec:?} is not a Hub model id: its {what} must be 1–96 letters, digits, '-', '_' or '.' (like HuggingFaceTB/SmolLM2-135M)"
        ))
    }
}

/// A path inside the repository (a revision like `refs/pr/1`, or a file like `q4/model.gguf`):
/// 1–255 of `[A-Za-z0-9._-/]`, with no empty, `.` or `..` segment.
fn check_path(path: &str, what: &str) -> Result<(), String> {
    let ok = (1..=255).contains(&path.len())
        && path.chars().all(|c| id_char(c) || c == '/')
        && path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{path:?} is not a valid {what}: use letters, digits, '-', '_', '.' and '/' between names"
        ))
    }
}

impl HubModel {
    /// Parses `org/name` or `org/name@revision`, with an optional GGUF `file`.
    pub fn parse(spec: &str, file: Option<&str>) -> Result<HubModel, String> {
        let spec = spec.trim();
        let (repo, revision) = match spec.split_once('@') {
            Some((repo, rev)) => (repo, rev),
            None => (spec, DEFAULT_REVISION),
        };
        let Some((org, name)) = repo.split_once('/') else {
            return Err(format!(
                "{spec:?} is not a Hub model id: write it as org/name (like HuggingFaceTB/SmolLM2-135M)"
            ));
        };
        check_part(org, "organisation", spec)?;
        check_part(name, "name", spec)?;
        check_path(revision, "revision")?;
        let file = file.map(str::trim).filter(|f| !f.is_empty());
        if let Some(f) = file {
            check_path(f, "file name")?;
            if !f.to_ascii_lowercase().ends_with(".gguf") {
                return Err(format!(
                    "{f:?}: only a .gguf file is loaded by name; leave the file empty to load the repository's config.json, tokenizer.json and safetensors"
                ));
            }
        }
        Ok(HubModel {
            repo: repo.to_string(),
            revision: revision.to_string(),
            file: file.map(str::to_string),
        })
    }

    /// Checks a model that came from a saved result or a link.
    pub fn validate(&self) -> Result<(), String> {
        let again = HubModel::parse(
            &format!("{}@{}", self.repo, self.revision),
            self.file.as_deref(),
        )?;
        if again == *self {
            Ok(())
        } else {
            Err(format!("{:?} is not a valid Hub model", self.id()))
        }
    }

    /// `org/name@revision` (and `:file`), as the page and the CLI show it.
    pub fn id(&self) -> String {
        let mut s = format!("{}@{}", self.repo, self.revision);
        if let Some(f) = &self.file {
            s += &format!(" ({f})");
        }
        s
    }

    /// The address of `file` in this repository at this revision on the Hub at `base`
    /// (`{base}/{repo}/resolve/{revision}/{file}`, the revision's `/` escaped as the Hub does).
    pub fn url(&self, base: &str, file: &str) -> String {
        format!(
            "{}/{}/resolve/{}/{}",
            base.trim_end_matches('/'),
            self.repo,
            self.revision.replace('/', "%2F"),
            file
        )
    }
}

/// Checks a Hub base URL (`?hub-base=`, `--hub-base`): `http(s)://host[/path]`, no query or
/// fragment. Returns it without a trailing `/`.
pub fn check_base(base: &str) -> Result<String, String> {
    let b = base.trim().trim_end_matches('/');
    let rest = b
        .strip_prefix("https://")
        .or_else(|| b.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !r.contains(['?', '#', ' ', '\\', '@'])
            && r.len() <= 512
    });
    if ok {
        Ok(b.to_string())
    } else {
        Err(format!(
            "{base:?} is not a Hub address: give http(s)://host, like {DEFAULT_HUB_BASE}"
        ))
    }
}

/// The shard files a `model.safetensors.index.json` names (its `weight_map` values), each
/// once, in order. Shard names must be plain file names ending in `.safetensors`.
pub fn shard_names(index: &[u8]) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Index {
        weight_map: std::collections::BTreeMap<String, String>,
    }
    let index: Index = serde_json::from_slice(index)
        .map_err(|e| format!("{WEIGHTS_INDEX} is not a safetensors index: {e}"))?;
    let mut names: Vec<String> = Vec::new();
    for shard in index.weight_map.values() {
        let plain = shard.ends_with(".safetensors")
            && !shard.starts_with('.')
            && shard.len() <= 255
            && shard.chars().all(id_char);
        if !plain {
            return Err(format!(
                "{WEIGHTS_INDEX} names the shard {shard:?}: shards must be plain .safetensors file names"
            ));
        }
        if !names.contains(shard) {
            names.push(shard.clone());
        }
    }
    names.sort();
    if names.is_empty() {
        return Err(format!("{WEIGHTS_INDEX} names no shard"));
    }
    if names.len() > MAX_SHARDS {
        return Err(format!(
            "{WEIGHTS_INDEX} names {} shards; at most {MAX_SHARDS} are loaded",
            names.len()
        ));
    }
    Ok(names)
}

/// What an HTTP status from the Hub means for `file` of `model`, in words.
pub fn status_message(model: &HubModel, file: &str, status: u16) -> String {
    let id = model.id();
    match status {
        401 | 403 => format!(
            "{id}: the Hub refused {file} (HTTP {status}): the repository is private or gated, and this page loads public models only"
        ),
        404 => format!(
            "{id}: {file} was not found (HTTP 404): check the model id, the revision and the file name"
        ),
        429 => format!("{id}: the Hub is rate-limiting requests (HTTP 429): try again later"),
        s => format!("{id}: could not fetch {file} (HTTP {s})"),
    }
}

/// Why a download failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The server answered with this HTTP status.
    Status(u16),
    /// The request got no answer that may be read: the network, or (in a browser) a server
    /// that does not allow cross-origin reads (CORS).
    Unreachable(String),
    /// Reading the answer failed (size limits, a broken stream).
    Read(String),
}

impl FetchError {
    /// The error in words, for `url`.
    pub fn describe(&self, url: &str) -> String {
        match self {
            FetchError::Status(s) => format!("could not fetch {url}: HTTP {s}"),
            FetchError::Unreachable(e) => format!(
                "could not reach {url} ({e}): the network failed, or the server does not allow this page to read it (CORS)"
            ),
            FetchError::Read(e) => format!("{url}: {e}"),
        }
    }
}

/// Downloads the files of `model` from the Hub at `base` with `get(url, name)`: its `.gguf`
/// file, or `config.json` and `tokenizer.json` — the architecture is checked before any weights
/// are fetched — then `model.safetensors`, or the shards `model.safetensors.index.json` names.
/// Returns (name, bytes) per file; every failure is a sentence naming the model. A model whose
/// parameters need more than `max_bytes` (at 2 bytes each, the least a safetensors file
/// stores) is refused before its weights are fetched.
pub async fn fetch_files<G, F>(
    base: &str,
    model: &HubModel,
    max_bytes: Option<u64>,
    mut get: G,
) -> Result<Vec<(String, Vec<u8>)>, String>
where
    G: FnMut(String, String) -> F,
    F: std::future::Future<Output = std::result::Result<Vec<u8>, FetchError>>,
{
    let base = check_base(base)?;
    model.validate()?;
    let id = model.id();
    let explain = |name: &str, e: FetchError| match e {
        FetchError::Status(s) => status_message(model, name, s),
        e => format!("{id}: {}", e.describe(&model.url(&base, name))),
    };
    let mut one = async |path: &str| -> std::result::Result<(String, Vec<u8>), FetchError> {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        let bytes = get(model.url(&base, path), name.clone()).await?;
        Ok((name, bytes))
    };
    if let Some(file) = &model.file {
        return Ok(vec![one(file).await.map_err(|e| explain(file, e))?]);
    }
    let mut files = Vec::new();
    for name in [CONFIG, TOKENIZER] {
        files.push(one(name).await.map_err(|e| explain(name, e))?);
    }
    let config = std::str::from_utf8(&files[0].1)
        .map_err(|_| format!("{id}: {CONFIG} is not UTF-8 text"))?;
    let config =
        crate::config::ModelConfig::from_hf_json(config).map_err(|e| format!("{id}: {e}"))?;
    let least = config.n_params() * 2;
    if let Some(max) = max_bytes.filter(|&m| least > m) {
        return Err(format!(
            "{id}: its {:.2} B parameters need at least {:.1} GB of weights, more than the page can hold ({:.1} GB); use the command line for it",
            config.n_params() as f64 / 1e9,
            least as f64 / 1e9,
            max as f64 / 1e9
        ));
    }
    match one(WEIGHTS).await {
        Ok(w) => files.push(w),
        // No single file: the weights are sharded (or the repository has none we read).
        Err(FetchError::Status(404)) => {
            let (_, index) = one(WEIGHTS_INDEX).await.map_err(|e| match e {
                FetchError::Status(404) => format!(
                    "{id}: neither {WEIGHTS} nor {WEIGHTS_INDEX} was found: the page loads safetensors weights (or name a .gguf file of the repository)"
                ),
                e => explain(WEIGHTS_INDEX, e),
            })?;
            for shard in shard_names(&index).map_err(|e| format!("{id}: {e}"))? {
                files.push(one(&shard).await.map_err(|e| explain(&shard, e))?);
            }
        }
        Err(e) => return Err(explain(WEIGHTS, e)),
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_with_and_without_revision() {
        let m = HubModel::parse("HuggingFaceTB/SmolLM2-135M", None).unwrap();
        assert_eq!(
            (m.repo.as_str(), m.revision.as_str()),
            ("HuggingFaceTB/SmolLM2-135M", "main")
        );
        let m = HubModel::parse(" EleutherAI/pythia-160m@refs/pr/1 ", None).unwrap();
        assert_eq!(m.revision, "refs/pr/1");
        assert_eq!(
            m.url("https://huggingface.co/", "config.json"),
            "https://huggingface.co/EleutherAI/pythia-160m/resolve/refs%2Fpr%2F1/config.json"
        );
        let m = HubModel::parse("a/b", Some("q4/m.Q4_1.gguf")).unwrap();
        assert_eq!(m.id(), "a/b@main (q4/m.Q4_1.gguf)");
        m.validate().unwrap();
    }

    #[test]
    fn bad_ids_are_refused_with_the_reason() {
        for (spec, why) in [
            ("gpt2", "org/name"),
            ("a/b/c", "name"),
            ("../etc", "organisation"),
            ("a/..", "name"),
            ("a/b c", "name"),
            ("a/b@", "revision"),
            ("a/b@x/../y", "revision"),
            ("a/-b", "name"),
            ("/b", "organisation"),
        ] {
            let e = HubModel::parse(spec, None).unwrap_err();
            assert!(e.contains(why), "{spec}: {e}");
        }
        assert!(
            HubModel::parse("a/b", Some("x.bin"))
                .unwrap_err()
                .contains(".gguf")
        );
        assert!(HubModel::parse("a/b", Some("../x.gguf")).is_err());
        let forged = HubModel {
            repo: "a/b/../c".into(),
            revision: "main".into(),
            file: None,
        };
        assert!(forged.validate().is_err());
    }

    #[test]
    fn bases_must_be_http_hosts() {
        assert_eq!(
            check_base("http://127.0.0.1:8080/hub/").unwrap(),
            "http://127.0.0.1:8080/hub"
        );
        assert_eq!(check_base(DEFAULT_HUB_BASE).unwrap(), DEFAULT_HUB_BASE);
        for bad in [
            "ftp://x",
            "javascript:alert(1)",
            "https://",
            "https:///x",
            "http://x?y",
            "x.org",
            "http://u@evil",
        ] {
            assert!(check_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shard_names_come_from_the_weight_map() {
        let idx = br#"{"metadata":{},"weight_map":{"a":"model-00002-of-00002.safetensors","b":"model-00001-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}"#;
        assert_eq!(
            shard_names(idx).unwrap(),
            [
                "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors"
            ]
        );
        assert!(shard_names(br#"{"weight_map":{"a":"../x.safetensors"}}"#).is_err());
        assert!(shard_names(br#"{"weight_map":{"a":"x.bin"}}"#).is_err());
        assert!(
            shard_names(br#"{"weight_map":{}}"#)
                .unwrap_err()
                .contains("no shard")
        );
        assert!(shard_names(b"[]").is_err());
    }

    /// A Hub of `files` (path under the base → bytes) that logs what was asked for.
    fn fetch_from(
        files: &[(&str, &[u8])],
        model: &HubModel,
        asked: &mut Vec<String>,
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        let base = "http://127.0.0.1:9/hub";
        let files: std::collections::HashMap<String, Vec<u8>> = files
            .iter()
            .map(|(p, b)| (format!("{base}/{p}"), b.to_vec()))
            .collect();
        pollster::block_on(fetch_files(base, model, Some(1 << 20), |url, _name| {
            asked.push(url.clone());
            let got = files.get(&url).cloned().ok_or(FetchError::Status(404));
            async move { got }
        }))
    }

    const LLAMA: &[u8] = br#"{"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":8,"intermediate_size":16,"num_attention_heads":2,"num_key_value_heads":1,"num_hidden_layers":2,"vocab_size":32,"max_position_embeddings":64,"rms_norm_eps":1e-5}"#;

    #[test]
    fn a_folder_single_or_sharded_and_a_gguf_are_fetched() {
        let m = HubModel::parse("t/llama", None).unwrap();
        let mut asked = Vec::new();
        let one = [
            ("t/llama/resolve/main/config.json", LLAMA),
            ("t/llama/resolve/main/tokenizer.json", b"{}".as_slice()),
            ("t/llama/resolve/main/model.safetensors", b"W".as_slice()),
        ];
        let got = fetch_from(&one, &m, &mut asked).unwrap();
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [CONFIG, TOKENIZER, WEIGHTS]);

        let m = HubModel::parse("t/llama@v1", None).unwrap();
        let index = br#"{"weight_map":{"a":"model-00002-of-00002.safetensors","b":"model-00001-of-00002.safetensors"}}"#;
        let sharded = [
            ("t/llama/resolve/v1/config.json", LLAMA),
            ("t/llama/resolve/v1/tokenizer.json", b"{}".as_slice()),
            (
                "t/llama/resolve/v1/model.safetensors.index.json",
                index.as_slice(),
            ),
            (
                "t/llama/resolve/v1/model-00001-of-00002.safetensors",
                b"A".as_slice(),
            ),
            (
                "t/llama/resolve/v1/model-00002-of-00002.safetensors",
                b"B".as_slice(),
            ),
        ];
        let got = fetch_from(&sharded, &m, &mut asked).unwrap();
        assert_eq!(
            got[2],
            (
                "model-00001-of-00002.safetensors".to_string(),
                b"A".to_vec()
            )
        );
        assert_eq!(got[3].1, b"B");

        let m = HubModel::parse("t/q", Some("sub/m.Q4_1.gguf")).unwrap();
        let got = fetch_from(
            &[("t/q/resolve/main/sub/m.Q4_1.gguf", b"GGUF")],
            &m,
            &mut asked,
        )
        .unwrap();
        assert_eq!(got, [("m.Q4_1.gguf".to_string(), b"GGUF".to_vec())]);
    }

    #[test]
    fn refusals_name_the_model_and_fetch_no_weights_in_vain() {
        let m = HubModel::parse("t/gptj", None).unwrap();
        let mut asked = Vec::new();
        let gptj = br#"{"architectures":["GPTJForCausalLM"],"model_type":"gptj"}"#;
        let files = [
            ("t/gptj/resolve/main/config.json", gptj.as_slice()),
            ("t/gptj/resolve/main/tokenizer.json", b"{}".as_slice()),
            ("t/gptj/resolve/main/model.safetensors", b"W".as_slice()),
        ];
        let e = fetch_from(&files, &m, &mut asked).unwrap_err();
        assert!(
            e.starts_with("t/gptj@main: ") && e.contains("GPTJForCausalLM"),
            "{e}"
        );
        assert!(!asked.iter().any(|u| u.ends_with(WEIGHTS)), "{asked:?}");

        let e = fetch_from(&[], &HubModel::parse("t/none", None).unwrap(), &mut asked).unwrap_err();
        assert_eq!(
            e,
            status_message(&HubModel::parse("t/none", None).unwrap(), CONFIG, 404)
        );
        let no_weights = [
            ("t/w/resolve/main/config.json", LLAMA),
            ("t/w/resolve/main/tokenizer.json", b"{}".as_slice()),
        ];
        let e = fetch_from(
            &no_weights,
            &HubModel::parse("t/w", None).unwrap(),
            &mut asked,
        )
        .unwrap_err();
        assert!(e.contains("neither model.safetensors nor"), "{e}");
    }

    #[test]
    fn statuses_read_as_sentences() {
        let m = HubModel::parse("a/b", None).unwrap();
        assert!(status_message(&m, CONFIG, 401).contains("private or gated"));
        assert!(status_message(&m, CONFIG, 404).contains("not found"));
    }
}
