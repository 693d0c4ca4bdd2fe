//! Writes every fuzz target's seed inputs to `<dir>/<target>/seed-<n>` (used by scripts/fuzz.sh).

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "core/fuzz/corpus".into());
    for (target, seeds) in activscalar_formats::seeds::all() {
        let d = std::path::Path::new(&dir).join(target);
        std::fs::create_dir_all(&d)?;
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(d.join(format!("seed-{i}")), s)?;
        }
    }
    Ok(())
}
