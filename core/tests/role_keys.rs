//! Built-in tasks on the default model's tokenizer: every templated row used, positions keyed by
//! their role in the template, and splits by unit that keep test entities out of training.
//! Needs scripts/fetch-model.sh; skipped (with a note) when the model is absent, except in CI.

use std::collections::HashSet;

use activscalar_core::loaders::gguf::GgufFile;
use activscalar_core::tasks::{Align, CAPITALS, Example, PreparedTask, TaskSpec, prepare};
use activscalar_core::tokenizer::TextTokenizer;

mod common;

fn tokenizer() -> Option<TextTokenizer> {
    let bytes = common::default_model_bytes()?;
    Some(TextTokenizer::from_gguf(&GgufFile::parse("default model", bytes).unwrap()).unwrap())
}

fn entities(examples: &[Example]) -> HashSet<String> {
    examples.iter().flat_map(|e| e.entities.clone()).collect()
}

/// No entity of one split occurs in another.
fn disjoint(t: &PreparedTask) {
    let (train, val, test) = (
        entities(&t.train),
        entities(&t.validation),
        entities(&t.test),
    );
    assert!(
        train.is_disjoint(&test),
        "train and test share {:?}",
        train.intersection(&test).collect::<Vec<_>>()
    );
    assert!(train.is_disjoint(&val) && val.is_disjoint(&test));
}

#[test]
fn ccc_uses_every_row_with_single_token_answers_keyed_by_role() {
    let Some(tok) = tokenizer() else { return };
    for seed in 0..3 {
        let t = prepare(&TaskSpec::ccc(seed), &tok, true).unwrap();
        assert!(t.role_keyed, "{}", t.summary());
        assert_eq!(t.other_lengths, 0);
        assert_eq!(t.all().count() + t.dropped.len(), 3 * CAPITALS.len());
        assert!(t.all().count() >= 200, "{}", t.summary());
        assert!(!t.validation.is_empty() && !t.test.is_empty());
        assert!(
            t.length_groups.len() > 1,
            "capitals of several token lengths are all used"
        );
        disjoint(&t);
        for label in [
            "{capital}",
            "{other}",
            "{capital}₂",
            " is",
            " capital",
            " in",
            "{capital}⁻¹",
        ] {
            assert!(
                t.keys.iter().any(|k| k == label),
                "no key {label:?} in {:?}",
                t.keys
            );
        }
        let key = |label: &str| t.keys.iter().position(|k| k == label).unwrap() as u32;
        for e in t.all() {
            assert_eq!(e.keys.len(), e.ids.len());
            // The last token is " in"; the first capital's last token is `{capital}`.
            assert_eq!(*e.keys.last().unwrap(), key(" in"));
            let capital = e.row.prompt.split(" is the capital").next().unwrap();
            let n = tok.encode_plain(capital).unwrap().len();
            let lead = e.ids.len() - tok.encode_plain(&e.row.prompt).unwrap().len();
            assert_eq!(e.keys[lead + n - 1], key("{capital}"), "{}", e.row.prompt);
        }
        // Every key is covered by some row, and the whole-prompt keys by all of them.
        let n = t.all().count();
        assert!(t.key_rows.iter().all(|&c| c > 0));
        assert_eq!(t.key_rows[key(" in") as usize], n);
        assert!(t.summary().contains("every row used"), "{}", t.summary());
    }
}

#[test]
fn ioi_splits_by_name_and_keys_every_template() {
    let Some(tok) = tokenizer() else { return };
    let t = prepare(&TaskSpec::ioi(240, 0), &tok, true).unwrap();
    assert!(t.role_keyed);
    assert_eq!(t.all().count(), 240, "{}", t.summary());
    disjoint(&t);
}

#[test]
fn older_results_keep_their_aligned_group() {
    let Some(tok) = tokenizer() else { return };
    let mut spec = TaskSpec::ccc(0);
    (spec.align, spec.validation_fraction) = (Align::Layout, 0.0);
    let t = prepare(&spec, &tok, true).unwrap();
    assert!(!t.role_keyed && t.other_lengths > 0 && t.validation.is_empty());
    let len = t.common_length().expect("one aligned group");
    assert_eq!(t.keys.len(), len);
}
