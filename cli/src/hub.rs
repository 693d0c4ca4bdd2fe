//! `--model hub:org/name[@revision][:file.gguf]`: models downloaded from the Hugging Face Hub
//! (or a mirror with its URL layout, `--hub-base`) into memory, by the same steps as the page.

use activscalar_core::{ModelFiles, ModelOrigin, NamedBytes};
use activscalar_types::hub::{self, FetchError, HubModel};
use anyhow::{Result, anyhow};

/// The `--model` prefix of Hub models.
pub const PREFIX: &str = "hub:";

/// Largest file read (as in the page).
const MAX_FILE_BYTES: u64 = 2 << 30;

/// Parses what follows `hub:` — `org/name`, `@revision`, `:file.gguf`.
pub fn parse(spec: &str) -> Result<HubModel, String> {
    let (id, file) = match spec.split_once(':') {
        Some((id, file)) => (id, Some(file)),
        None => (spec, None),
    };
    HubModel::parse(id, file)
}

fn get(url: &str) -> Result<Vec<u8>, FetchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(std::time::Duration::from_secs(30)))
        .timeout_recv_response(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    let mut resp = agent
        .get(url)
        .call()
        .map_err(|e| FetchError::Unreachable(e.to_string()))?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status(status));
    }
    resp.body_mut()
        .with_config()
        .limit(MAX_FILE_BYTES)
        .read_to_vec()
        .map_err(|e| FetchError::Read(e.to_string()))
}

/// Downloads `model` from the Hub at `base` and returns its files, recording where they came
/// from.
pub fn download(base: &str, model: &HubModel) -> Result<(ModelFiles, ModelOrigin)> {
    let files = pollster::block_on(hub::fetch_files(
        base,
        model,
        None,
        |url: String, name: String| {
            eprintln!("downloading {name} from {url}");
            let got = get(&url);
            async move { got }
        },
    ))
    .map_err(|e| anyhow!(e))?;
    let named = files
        .into_iter()
        .map(|(name, bytes)| NamedBytes::new(name, bytes))
        .collect();
    Ok((
        ModelFiles::from_named(named)?,
        ModelOrigin::Hub(model.clone()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::path::Path;

    /// Serves `dir`'s files under `/{repo}/resolve/main/` on 127.0.0.1 (HTTP/1.1, one request
    /// a connection), answers 404 elsewhere; returns the base URL.
    fn local_hub(repo: &'static str, dir: &'static Path) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().take(16) {
                let mut stream = stream.unwrap();
                let mut line = String::new();
                BufReader::new(&stream).read_line(&mut line).unwrap();
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let prefix = format!("/{repo}/resolve/main/");
                let body = path
                    .strip_prefix(&prefix)
                    .and_then(|f| std::fs::read(dir.join(f)).ok());
                let (status, body) = match body {
                    Some(b) => ("200 OK", b),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        base
    }

    #[test]
    fn a_hub_model_downloads_over_http_and_loads() {
        let dir: &'static Path = Box::leak(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../models/fixtures/tiny-llama")
                .into_boxed_path(),
        );
        let base = local_hub("tiny/llama", dir);
        let model = parse("tiny/llama").unwrap();
        let (files, origin) = download(&base, &model).unwrap();
        let m = activscalar_core::load_model(files, &activscalar_core::Device::flex()).unwrap();
        assert_eq!(m.info.config.n_layers, 2);
        assert_eq!(origin, ModelOrigin::Hub(model));
        let refusal = |base: &str, spec: &str| match download(base, &parse(spec).unwrap()) {
            Ok(_) => panic!("{spec} loaded from {base}"),
            Err(e) => e.to_string(),
        };
        let e = refusal(&base, "tiny/absent");
        assert!(
            e.contains("tiny/absent@main: config.json was not found (HTTP 404)"),
            "{e}"
        );
        let e = refusal("http://127.0.0.1:1", "tiny/llama");
        assert!(e.contains("could not reach"), "{e}");
    }

    #[test]
    fn specs_name_a_repository_a_revision_and_a_file() {
        let m = parse("HuggingFaceTB/SmolLM2-135M").unwrap();
        assert_eq!((m.revision.as_str(), m.file.as_deref()), ("main", None));
        let m = parse("a/b@v2:q/m.Q8_0.gguf").unwrap();
        assert_eq!(
            (m.revision.as_str(), m.file.as_deref()),
            ("v2", Some("q/m.Q8_0.gguf"))
        );
        assert!(parse("a/b:weights.bin").is_err());
        assert!(parse("gpt2").is_err());
    }
}
