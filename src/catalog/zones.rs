//! The zones where Compute Engine offers a machine type, for the A3 and A4
//! GPU machines (the GPUDirect families), whose zones are few.
//!
//! Source: Compute Engine's `machineTypes.list` as recorded in
//! skypilot-org/skypilot-catalog `catalogs/v8/gcp/vms.csv` (commit
//! 8427bbff988abdd050a9f51addd314ef31cb4e85), read 2026-12-02; Google's
//! "GPU regions and zones" page was not reachable from here. Google adds
//! zones over time and this list can lag, so a zone missing from it is a
//! warning, never an error (`gcloud compute machine-types list
//! --filter=name=MACHINE` says the truth for a project). Other machine types
//! are not listed: `None` means "not checked".

/// The zones that offer `machine`, sorted; `None` for machine types this
/// table does not cover.
pub fn machine_zones(machine: &str) -> Option<&'static [&'static str]> {
    Some(match machine {
        "a3-highgpu-1g" | "a3-highgpu-2g" | "a3-highgpu-4g" => &[
            "asia-east1-c",
            "asia-northeast1-b",
            "asia-south1-c",
            "asia-south2-b",
            "asia-southeast1-b",
            "asia-southeast1-c",
            "australia-southeast1-c",
            "europe-north1-c",
            "europe-west1-b",
            "europe-west1-c",
            "europe-west3-c",
            "europe-west4-b",
            "europe-west4-c",
            "europe-west8-c",
            "europe-west9-c",
            "us-central1-a",
            "us-central1-b",
            "us-central1-c",
            "us-east4-a",
            "us-east4-b",
            "us-east4-c",
            "us-east5-a",
            "us-west1-a",
            "us-west1-b",
            "us-west4-a",
        ],
        "a3-highgpu-8g" => &[
            "asia-east1-c",
            "asia-northeast1-b",
            "asia-south1-c",
            "asia-south2-b",
            "asia-southeast1-b",
            "asia-southeast1-c",
            "australia-southeast1-c",
            "europe-north1-c",
            "europe-west1-b",
            "europe-west1-c",
            "europe-west3-c",
            "europe-west4-b",
            "europe-west4-c",
            "europe-west9-c",
            "us-central1-a",
            "us-central1-b",
            "us-central1-c",
            "us-east4-a",
            "us-east4-b",
            "us-east4-c",
            "us-east5-a",
            "us-west1-a",
            "us-west1-b",
            "us-west4-a",
        ],
        "a3-megagpu-8g" => &[
            "asia-east1-c",
            "asia-northeast1-b",
            "asia-southeast1-b",
            "asia-southeast1-c",
            "australia-southeast1-c",
            "europe-north1-c",
            "europe-west1-b",
            "europe-west1-c",
            "europe-west3-c",
            "europe-west4-b",
            "europe-west4-c",
            "us-central1-a",
            "us-central1-b",
            "us-central1-c",
            "us-east4-a",
            "us-east4-b",
            "us-east4-c",
            "us-east5-a",
            "us-west1-a",
            "us-west1-b",
            "us-west4-a",
        ],
        "a3-ultragpu-8g" => &[
            "asia-south1-b",
            "asia-south2-c",
            "europe-west1-b",
            "europe-west4-a",
            "us-central1-b",
            "us-east4-b",
            "us-east5-a",
            "us-south1-b",
            "us-west1-c",
        ],
        "a4-highgpu-8g" => &[
            "asia-northeast1-b",
            "asia-southeast1-b",
            "europe-north1-b",
            "europe-west4-b",
            "us-central1-b",
            "us-east1-b",
            "us-east4-b",
            "us-south1-b",
            "us-west2-c",
            "us-west3-b",
            "us-west3-c",
        ],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_zones_are_sorted_zone_names() {
        for m in [
            "a3-highgpu-1g",
            "a3-highgpu-8g",
            "a3-megagpu-8g",
            "a3-ultragpu-8g",
            "a4-highgpu-8g",
        ] {
            let zones = machine_zones(m).unwrap();
            assert!(zones.windows(2).all(|w| w[0] < w[1]), "{m}");
            for z in zones {
                let (region, letter) = z.rsplit_once('-').unwrap();
                assert_eq!(letter.len(), 1, "{z}");
                assert!(region.matches('-').count() == 1, "{z}");
            }
        }
        assert!(machine_zones("a4-highgpu-8g")
            .unwrap()
            .contains(&"us-central1-b"));
        assert!(!machine_zones("a4-highgpu-8g")
            .unwrap()
            .contains(&"us-central1-a"));
        assert_eq!(machine_zones("n2-standard-8"), None);
    }
}
