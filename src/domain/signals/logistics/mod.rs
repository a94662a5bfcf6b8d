//! Logistics signals over a normalized [`Shipment`]: from the report's
//! `logistics` record ([`Shipment::from`]) or from a JSON/CSV export in the
//! evidence ([`parse_export`]).
//!
//! Rules (each exact, each documented where its constant is):
//! `delivered_before_shipped`, `implausible_transit_time`,
//! `empty_parcel_weight`, `no_transit_scans`, `invalid_tracking_number`.
//! Places are resolved to a province (and to a city when one of the major
//! cities is named) and distances are great-circle distances between them.
//!
//! This file is the public face: it re-exports what callers use, so they
//! name `logistics::…` and never a part. The parts depend one way only:
//! `places` (province names from `catalog::PROVINCES`) and `carriers` use no
//! sibling, `rules` reads both, and `exports` builds the rules' [`Shipment`].

mod carriers;
mod exports;
mod places;
mod rules;

pub use carriers::{normalize_tracking_number, Carrier};
pub use exports::{parse_export, parse_export_time, ExportError};
pub use places::{
    certain_distance_km, haversine_km, resolve_place, Place, ProvinceGeography, CITIES,
    CITY_SLACK_KM, PROVINCE_GEOGRAPHY, PROVINCE_SLACK_KM,
};
pub use rules::{
    delivered_before_shipped, empty_parcel_weight, implausible_transit_time,
    invalid_tracking_number, logistics_signals, milestone, min_transit_hours, no_transit_scans,
    shipment_signals, Milestone, Shipment, ShipmentEvent, Source, EMPTY_PARCEL_MAX_KG,
    MAX_SPEED_KMH, MIN_HANDLING_HOURS, NO_SCAN_MIN_KM,
};
