//! FL503 removed-api: an API name that an older Factorio had and the mod's Factorio removed
//! without a replacement.

use super::api_changes::New;
use super::{gone_uses, Owner};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};

pub struct RemovedApi;

impl Rule for RemovedApi {
    fn code(&self) -> &'static str {
        "FL503"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        for gone in gone_uses(unit) {
            if gone.new != New::Removed {
                continue;
            }
            let since = gone.since;
            let message = match &gone.owner {
                Owner::Event(events) => format!(
                    "`{}` is nil in Factorio {since}: the {} event no longer has `{}`",
                    gone.spelled,
                    events.join("/"),
                    gone.file.ir.member_name(gone.member)
                ),
                Owner::Class(class) => format!(
                    "`{}` was removed in Factorio {since}: {class} has no `{}` any more",
                    gone.spelled,
                    gone.file.ir.member_name(gone.member)
                ),
                Owner::Defines(_) => format!("`{}` was removed in Factorio {since}", gone.spelled),
            };
            let help = match gone.advice {
                "" => format!(
                    "Factorio {since} has no replacement: drop this use, or rebuild what it did from the {since} API"
                ),
                advice => advice.to_string(),
            };
            out.push(
                Diagnostic::new("FL503", gone.file.id, gone.member.span, message)
                    .with_label(format!("removed in {since}"))
                    .with_note(gone.consequence())
                    .with_help(help),
            );
        }
    }
}
