//! Lifecycle rules: what runs where in the script lifecycle (load, on_init, on_load, events).

pub mod event_registration_outside_control;
