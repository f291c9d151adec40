//! Mods as the mod portal ships them: a zip holding one top folder (`name_1.2.3/info.json`,
//! `name_1.2.3/control.lua`, …), read in memory. Paths read `name_1.2.3.zip/control.lua`: the
//! zip's path with the top folder left out, as Factorio does.

use super::discover::Finder;
use super::info_json::{self, InfoJson};
use super::{RootKind, Unit, WorkFile};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// The units inside one zip (the mod, and any scenario folders in it), every Lua file
/// reported on.
pub(super) fn read(zip_path: &Path, finder: &mut Finder) -> Result<Vec<Unit>, String> {
    let entries = entries(zip_path)?;
    let Some(config) = finder.config(zip_path) else {
        // A broken factolint.toml is reported for it already.
        return Ok(Vec::new());
    };
    let claims_mod = |dir: &str| {
        entries
            .get(&join(dir, "info.json"))
            .is_some_and(|bytes| info_json::claims_mod(bytes))
    };
    // Roots: folders with a mod's info.json or a control.lua, by their path in the zip.
    let mut roots: BTreeMap<String, RootKind> = BTreeMap::new();
    for name in entries.keys() {
        let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
        if claims_mod(dir) {
            roots.insert(dir.to_string(), RootKind::Mod);
        } else if name.rsplit('/').next() == Some("control.lua") {
            roots.insert(dir.to_string(), RootKind::Scenario);
        }
    }
    roots.entry(String::new()).or_insert(RootKind::Loose);

    let mut files: BTreeMap<&str, Vec<WorkFile>> = BTreeMap::new();
    for (name, bytes) in &entries {
        if !name.to_ascii_lowercase().ends_with(".lua") {
            continue;
        }
        let path = zip_path.join(name);
        if config.is_excluded(&path) {
            continue;
        }
        // The deepest root above the file owns it.
        let owner = roots
            .keys()
            .filter(|dir| dir.is_empty() || name.starts_with(&format!("{dir}/")))
            .max_by_key(|dir| dir.len())
            .expect("the zip's top is a root");
        files.entry(owner).or_default().push(WorkFile {
            rel: name[owner.len()..].trim_start_matches('/').to_string(),
            path,
            report: true,
            content: Some(bytes.clone()),
        });
    }

    let mut units = Vec::new();
    for (dir, kind) in &roots {
        let Some(files) = files.remove(dir.as_str()) else {
            continue;
        };
        // A scenario inside the mod runs with the mod's Factorio version.
        let mod_dir = roots
            .iter()
            .filter(|(d, k)| {
                **k == RootKind::Mod
                    && (d.is_empty() || *d == dir || dir.starts_with(&format!("{d}/")))
            })
            .map(|(d, _)| d)
            .max_by_key(|d| d.len());
        let (info, info_problem) = match mod_dir {
            Some(mod_dir) => {
                let info_path = zip_path.join(join(mod_dir, "info.json"));
                let bytes = entries[&join(mod_dir, "info.json")].to_vec();
                let folder_name = if mod_dir.is_empty() {
                    zip_path.file_stem()
                } else {
                    Path::new(mod_dir).file_name()
                }
                .map(|n| n.to_string_lossy().into_owned());
                match info_json::parse(&info_path, Ok(bytes), folder_name) {
                    InfoJson::Mod(info, problem) => (info, problem),
                    InfoJson::NotAMod => Default::default(),
                }
            }
            None => Default::default(),
        };
        units.push(Unit {
            root: if dir.is_empty() {
                zip_path.to_path_buf()
            } else {
                zip_path.join(dir)
            },
            kind: *kind,
            info,
            info_problem,
            config: config.clone(),
            files,
        });
    }
    Ok(units)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The zip's Lua and info.json files by path, without the one top folder.
fn entries(zip_path: &Path) -> Result<BTreeMap<String, Arc<[u8]>>, String> {
    let file = std::fs::File::open(zip_path).map_err(|e| super::describe_io(&e))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|e| format!("not a readable zip file: {e}"))?;
    let mut names: Vec<(usize, String)> = Vec::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| format!("not a readable zip file: {e}"))?;
        // Entries that would leave the zip (`../x`) are not a mod's files.
        let Some(name) = entry.enclosed_name() else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name: Vec<String> = name
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        names.push((index, name.join("/")));
    }
    // The mod portal's zips hold one folder; one without any folder is read as it is.
    let tops: std::collections::BTreeSet<&str> = names
        .iter()
        .map(|(_, n)| n.split_once('/').map_or("", |(top, _)| top))
        .collect();
    let strip = match tops.iter().collect::<Vec<_>>().as_slice() {
        [top] if !top.is_empty() => Some(top.to_string()),
        _ if tops.contains("") => None,
        [] => None,
        several => {
            return Err(format!(
                "holds {} top folders ({}); a mod's zip holds one folder with the mod in it",
                several.len(),
                several
                    .iter()
                    .take(3)
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    };
    let mut out = BTreeMap::new();
    for (index, name) in names {
        let rel = match &strip {
            Some(top) => name[top.len() + 1..].to_string(),
            None => name,
        };
        let keep = rel.to_ascii_lowercase().ends_with(".lua")
            || rel == "info.json"
            || rel.ends_with("/info.json");
        if !keep {
            continue;
        }
        let mut entry = archive
            .by_index(index)
            .map_err(|e| format!("cannot read {rel} in the zip: {e}"))?;
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {rel} in the zip: {e}"))?;
        out.insert(rel, Arc::from(bytes));
    }
    Ok(out)
}
