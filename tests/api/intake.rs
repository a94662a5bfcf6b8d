//! Filing a report and following it.

use image::ImageFormat;
use img_parts::jpeg::Jpeg;
use img_parts::png::{Png, PngChunk};
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::*;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn a_report_with_a_screenshot_is_filed_and_followed_with_its_tracking_code() {
    let app = spawn_app().await;
    let png = screenshot_png(540, 1170, 1);
    let form = form_with(&valid_report())
        .part("evidence", file_part(png.clone(), "截图1.png", "image/png"));

    let response = app.post_report(form).await;
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let created: Value = response.json().await.expect("json");
    let reference = created["reference"].as_str().expect("reference");
    let code = created["tracking_code"].as_str().expect("code");
    assert_eq!(created["status"], "submitted");
    assert_eq!(
        created["status_url"],
        format!("/api/v1/reports/{reference}")
    );
    assert_eq!(location, format!("/api/v1/reports/{reference}"));
    assert!(
        reference.starts_with("QL-") && reference.len() == 12,
        "{reference}"
    );
    assert!(code.chars().filter(char::is_ascii_alphanumeric).count() >= 27);

    let view: Value = app
        .get_report(reference, code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["reference"], reference);
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["merchant_name"], "某某数码旗舰店");
    assert_eq!(view["merchant_province"], "浙江省");
    assert_eq!(view["review_texts"][1], "物流很快，包装精美，五星好评");
    assert_eq!(view["logistics"]["tracking_number"], "ZTO7731234567890");
    // Beijing local time, stored and shown in UTC.
    assert_eq!(view["logistics"]["shipped_at"], "2026-11-20T00:00:00Z");
    assert_eq!(view["reporter"]["phone"], "13812345678");
    assert_eq!(view["timeline"][0]["status"], "submitted");
    let evidence = &view["evidence"][0];
    assert_eq!(evidence["display_name"], "截图1.png");
    assert_eq!(evidence["content_type"], "image/png");
    assert_eq!(evidence["width"], 540);

    // The fingerprint is that of the stored file, byte for byte.
    let stored = app.stored_files();
    assert_eq!(stored.len(), 1);
    let bytes = std::fs::read(&stored[0]).expect("read stored");
    assert_eq!(evidence["sha256"], sha256_hex(&bytes));
    assert_eq!(evidence["size_bytes"], bytes.len());
    assert_eq!(app.counts().await, (1, 1));
}

#[tokio::test]
async fn the_tracking_code_is_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let created: Value = app
        .post_report(form_with(&valid_report()))
        .await
        .json()
        .await
        .expect("json");
    let code = created["tracking_code"].as_str().expect("code");
    let compact: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    let db = std::fs::read(app.data_dir.path().join("qinglang.db")).unwrap_or_default();
    let wal = std::fs::read(app.data_dir.path().join("qinglang.db-wal")).unwrap_or_default();
    for file in [db, wal] {
        let text = String::from_utf8_lossy(&file);
        assert!(!text.contains(code) && !text.contains(&compact));
    }
    // Codes are re-typed by people: case and separators do not matter.
    let sloppy = code.to_lowercase().replace('-', " ");
    let reference = created["reference"].as_str().expect("reference");
    assert_eq!(
        app.get_report(reference, &sloppy).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn an_unknown_reference_and_a_wrong_code_look_the_same() {
    let app = spawn_app().await;
    let created: Value = app
        .post_report(form_with(&valid_report()))
        .await
        .json()
        .await
        .expect("json");
    let reference = created["reference"].as_str().expect("reference");

    let wrong_code = app
        .get_report(reference, "AAAAAAAAA-AAAAAAAAA-AAAAAAAAA")
        .await;
    let (status_a, body_a) = problem(wrong_code).await;
    let unknown = app
        .get_report(
            "QL-2222-2222",
            created["tracking_code"].as_str().expect("code"),
        )
        .await;
    let (status_b, body_b) = problem(unknown).await;
    assert_eq!((status_a, status_b), (404, 404));
    assert_eq!(body_a, body_b);
    let no_code = app
        .client
        .get(app.url(&format!("/api/v1/reports/{reference}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(no_code.status().as_u16(), 404);
}

#[tokio::test]
async fn image_metadata_is_removed_and_both_fingerprints_are_kept() {
    let app = spawn_app().await;
    let secret = b"secret-location";

    let mut jpeg = Jpeg::from_bytes(Bytes::from(small_image(ImageFormat::Jpeg))).expect("jpeg");
    jpeg.set_exif(Some(Bytes::from(exif_block())));
    let mut jpeg_bytes = Vec::new();
    jpeg.encoder().write_to(&mut jpeg_bytes).expect("write");

    let mut png = Png::from_bytes(Bytes::from(small_image(ImageFormat::Png))).expect("png");
    let text = PngChunk::new(*b"tEXt", Bytes::from_static(b"Comment\0secret-location"));
    png.chunks_mut().insert(1, text);
    png.set_exif(Some(Bytes::from(exif_block())));
    let mut png_bytes = Vec::new();
    png.encoder().write_to(&mut png_bytes).expect("write");

    let mut webp = WebP::from_bytes(Bytes::from(small_image(ImageFormat::WebP))).expect("webp");
    webp.set_exif(Some(Bytes::from(exif_block())));
    let mut webp_bytes = Vec::new();
    webp.encoder().write_to(&mut webp_bytes).expect("write");

    for original in [&jpeg_bytes, &png_bytes, &webp_bytes] {
        assert!(
            original.windows(secret.len()).any(|w| w == secret),
            "fixture carries metadata"
        );
    }
    let form = form_with(&valid_report())
        .part(
            "evidence",
            file_part(jpeg_bytes.clone(), "photo.jpg", "image/jpeg"),
        )
        .part(
            "evidence",
            file_part(png_bytes.clone(), "shot.png", "image/png"),
        )
        .part(
            "evidence",
            file_part(webp_bytes.clone(), "shot.webp", "image/webp"),
        );
    let response = app.post_report(form).await;
    assert_eq!(response.status().as_u16(), 201);

    let stored = app.stored_files();
    assert_eq!(stored.len(), 3);
    for path in &stored {
        let bytes = std::fs::read(path).expect("read");
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "metadata left in {path:?}"
        );
        // What is stored still decodes as the same kind of image.
        image::load_from_memory(&bytes).expect("stored image decodes");
    }
    let originals: Vec<String> = [&jpeg_bytes, &png_bytes, &webp_bytes]
        .iter()
        .map(|b| sha256_hex(b))
        .collect();
    let (_, rows) = app.counts().await;
    assert_eq!(rows, 3);
    let recorded = qinglang::db::run(&app.state().pool, |conn| {
        use diesel::prelude::*;
        use qinglang::db::schema::evidence::dsl::*;
        Ok(evidence
            .select((original_sha256, sha256))
            .order(id)
            .load::<(String, String)>(conn)?)
    })
    .await
    .expect("rows");
    for ((original, stored_hash), expected) in recorded.iter().zip(&originals) {
        assert_eq!(original, expected);
        assert_ne!(
            original, stored_hash,
            "the stored file differs from the upload"
        );
    }
}

#[tokio::test]
async fn a_jpeg_with_a_payload_after_its_end_is_stored_without_it() {
    let app = spawn_app().await;
    let mut polyglot = small_image(ImageFormat::Jpeg);
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let form =
        form_with(&valid_report()).part("evidence", file_part(polyglot, "x.jpg", "image/jpeg"));
    assert_eq!(app.post_report(form).await.status().as_u16(), 201);
    let stored = std::fs::read(&app.stored_files()[0]).expect("read");
    assert!(
        stored.ends_with(&[0xFF, 0xD9]),
        "ends at the end-of-image marker"
    );
    assert!(!String::from_utf8_lossy(&stored).contains("<script"));
}

#[tokio::test]
async fn pdf_csv_and_json_logistics_exports_are_accepted_as_they_are() {
    let app = spawn_app().await;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let csv = "时间,地点,状态\n2026-11-20 08:00,杭州,已揽收\n2026-11-21 09:30,上海,已签收\n"
        .as_bytes()
        .to_vec();
    let json = br#"{"events":[{"time":"2026-11-20 08:00","status":"picked up"}]}"#.to_vec();
    let form = form_with(&valid_report())
        .part(
            "evidence",
            file_part(pdf.clone(), "invoice.pdf", "application/pdf"),
        )
        .part("evidence", file_part(csv.clone(), "物流.csv", "text/csv"))
        .part(
            "evidence",
            file_part(json.clone(), "track.json", "application/octet-stream"),
        );
    let created: Value = app.post_report(form).await.json().await.expect("json");
    let view: Value = app
        .get_report(
            created["reference"].as_str().expect("ref"),
            created["tracking_code"].as_str().expect("code"),
        )
        .await
        .json()
        .await
        .expect("json");
    let types: Vec<&str> = view["evidence"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["content_type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(types, ["application/pdf", "text/csv", "application/json"]);
    for (entry, original) in view["evidence"]
        .as_array()
        .expect("list")
        .iter()
        .zip([&pdf, &csv, &json])
    {
        assert_eq!(entry["sha256"], sha256_hex(original));
    }
}

#[tokio::test]
async fn hostile_file_names_become_harmless_display_text() {
    let app = spawn_app().await;
    let long = format!("{}.png", "长".repeat(1000));
    let names = [
        "../../etc/passwd.png",
        "C:\\Users\\me\\evil name.png",
        "invoice\u{202E}gnp.exe",
        long.as_str(),
    ];
    let mut form = form_with(&valid_report());
    for name in names {
        form = form.part(
            "evidence",
            file_part(small_image(ImageFormat::Png), name, "image/png"),
        );
    }
    let response = app.post_report(form).await;
    assert_eq!(
        response.status().as_u16(),
        201,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let created: Value = response.json().await.expect("json");
    let view: Value = app
        .get_report(
            created["reference"].as_str().expect("ref"),
            created["tracking_code"].as_str().expect("code"),
        )
        .await
        .json()
        .await
        .expect("json");
    let shown: Vec<String> = view["evidence"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["display_name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(shown[0], "passwd.png");
    assert_eq!(shown[1], "evil name.png");
    assert_eq!(shown[2], "invoicegnp.exe");
    assert_eq!(shown[3].chars().count(), 120);
    assert!(shown[3].ends_with(".png"));
    // No stored path derives from a client name.
    for path in app.stored_files() {
        let file = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(
            file.len() == 32 && file.chars().all(|c| c.is_ascii_hexdigit()),
            "{file}"
        );
    }
}

#[tokio::test]
async fn many_concurrent_reports_all_succeed_without_lock_errors() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for seed in 0..40u64 {
        let client = app.client.clone();
        let url = app.url("/api/v1/reports");
        let png = screenshot_png(200, 400, seed);
        tasks.push(tokio::spawn(async move {
            let form =
                form_with(&valid_report()).part("evidence", file_part(png, "s.png", "image/png"));
            client
                .post(url)
                .multipart(form)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("join").expect("sent"), 201);
    }
    assert_eq!(app.counts().await, (40, 40));
}

#[tokio::test]
async fn orphaned_files_from_a_crash_are_swept_and_referenced_ones_kept() {
    let app = spawn_app().await;
    let form = form_with(&valid_report()).part(
        "evidence",
        file_part(small_image(ImageFormat::Png), "a.png", "image/png"),
    );
    assert_eq!(app.post_report(form).await.status().as_u16(), 201);
    // Simulate a crash between committing a file and committing its row.
    let store = app.state().intake.store.clone();
    let mut staged = store.create_staged().expect("staged");
    std::io::Write::write_all(&mut staged, b"orphan").expect("write");
    store
        .commit(staged, "0123456789abcdef0123456789abcdef")
        .expect("commit");
    let leftover = store.create_staged().expect("staged");
    let (_, leftover_path) = leftover.keep().expect("keep");
    assert_eq!(app.stored_files().len(), 2);

    let swept = qinglang::sweep::sweep_once(&app.state().pool, &store, std::time::Duration::ZERO)
        .await
        .expect("sweep");
    assert_eq!(swept.orphans, 1);
    assert_eq!(swept.staged, 1);
    assert!(!leftover_path.exists());
    assert_eq!(app.stored_files().len(), 1, "the referenced file stays");
    assert!(store.read("0123456789abcdef0123456789abcdef").is_err());
}

/// A multipart body by hand, for what client libraries refuse to send.
fn raw_multipart(disposition: &[u8], file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(b"--B\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n");
    body.extend_from_slice(valid_report().to_string().as_bytes());
    body.extend_from_slice(b"\r\n--B\r\nContent-Disposition: ");
    body.extend_from_slice(disposition);
    body.extend_from_slice(b"\r\nContent-Type: image/png\r\n\r\n");
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--B--\r\n");
    body
}

#[tokio::test]
async fn a_nul_in_a_file_name_is_removed_or_refused_never_stored() {
    let app = spawn_app().await;
    // Percent-encoded (RFC 5987), as a client may legally send it: cleaned.
    let body = raw_multipart(
        b"form-data; name=\"evidence\"; filename*=UTF-8''..%2F..%2Fevil%00na%01me%E2%80%AE.png",
        &small_image(ImageFormat::Png),
    );
    let response = post_raw(&app, "multipart/form-data; boundary=B", body).await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.expect("json");
    let view: Value = app
        .get_report(
            created["reference"].as_str().expect("ref"),
            created["tracking_code"].as_str().expect("code"),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["evidence"][0]["display_name"], "evilname.png");

    // A raw NUL inside a part header is not valid multipart at all: refused, nothing kept.
    let app = spawn_app().await;
    let body = raw_multipart(
        b"form-data; name=\"evidence\"; filename=\"evil\0name.png\"",
        &small_image(ImageFormat::Png),
    );
    let response = post_raw(&app, "multipart/form-data; boundary=B", body).await;
    assert_refused(&app, response, 400, "multipart", "malformed").await;
}

/// A photo-like PNG (noise does not compress) of a few hundred KiB, with
/// metadata chunks before and after its pixels and a payload after its end.
fn large_png_with_metadata(secret: &[u8]) -> (Vec<u8>, image::RgbImage) {
    let pixels = noise_image(600, 500, 0x2545_F491_4F6C_DD1D);
    let encoded = encode(
        image::DynamicImage::ImageRgb8(pixels.clone()),
        ImageFormat::Png,
    );
    let mut png = Png::from_bytes(Bytes::from(encoded)).expect("png");
    let mut comment = b"Comment\0".to_vec();
    comment.extend_from_slice(secret);
    png.chunks_mut()
        .insert(1, PngChunk::new(*b"tEXt", Bytes::from(comment.clone())));
    let end = png.chunks().len() - 1;
    png.chunks_mut()
        .insert(end, PngChunk::new(*b"tEXt", Bytes::from(comment)));
    png.set_exif(Some(Bytes::from(exif_block())));
    let mut bytes = Vec::new();
    png.encoder().write_to(&mut bytes).expect("write");
    bytes.extend_from_slice(b"<script>alert(1)</script>");
    (bytes, pixels)
}

#[tokio::test]
async fn a_large_png_streams_to_storage_without_its_metadata() {
    let app = spawn_app().await;
    let secret = b"31.2304N,121.4737E";
    let (upload, pixels) = large_png_with_metadata(secret);
    assert!(
        upload.len() > 512 * 1024,
        "large enough to be spooled to disk, not held in memory"
    );
    let form = form_with(&valid_report()).part(
        "evidence",
        file_part(upload.clone(), "big.png", "image/png"),
    );
    let response = app.post_report(form).await;
    assert_eq!(response.status().as_u16(), 201);

    let stored_path = &app.stored_files()[0];
    let stored = std::fs::read(stored_path).expect("read");
    assert!(!stored.windows(secret.len()).any(|w| w == secret));
    assert!(!String::from_utf8_lossy(&stored).contains("<script"));
    assert!(stored.ends_with(b"IEND\xAE\x42\x60\x82"), "ends at IEND");
    let decoded = image::load_from_memory(&stored).expect("stored image decodes");
    assert_eq!(decoded.to_rgb8(), pixels, "the same pixels");

    let (original, kept, size) = qinglang::db::run(&app.state().pool, |conn| {
        use diesel::prelude::*;
        use qinglang::db::schema::evidence::dsl::*;
        Ok(evidence
            .select((original_sha256, sha256, size_bytes))
            .first::<(String, String, i64)>(conn)?)
    })
    .await
    .expect("row");
    assert_eq!(original, sha256_hex(&upload));
    assert_eq!(kept, sha256_hex(&stored));
    assert_eq!(size, stored.len() as i64);
}

#[tokio::test]
async fn images_larger_than_the_decode_budget_are_checked_one_at_a_time() {
    // A budget smaller than any image: every decode runs alone, none waits forever.
    let app = spawn_app_with(|config| config.decode_memory_bytes = 1).await;
    let mut filed = Vec::new();
    for round in 0..3u64 {
        let form = form_with(&valid_report())
            .part(
                "evidence",
                file_part(small_image(ImageFormat::Jpeg), "a.jpg", "image/jpeg"),
            )
            .part(
                "evidence",
                file_part(small_image(ImageFormat::WebP), "b.webp", "image/webp"),
            )
            .part(
                "evidence",
                file_part(screenshot_png(540, 1170, round), "c.png", "image/png"),
            );
        filed.push(app.post_report(form));
    }
    for response in futures_util::future::join_all(filed).await {
        assert_eq!(response.status().as_u16(), 201);
    }
    assert_eq!(app.stored_files().len(), 9);
}

#[tokio::test]
async fn images_decoded_at_intake_are_not_decoded_again_for_their_fingerprint() {
    // No signals worker: what is stored comes from intake alone. JPEG and
    // WebP are decoded whole to check them, PNGs row by row; either way the
    // fingerprint is kept from that decode.
    let app = spawn_app_with(|config| config.signals_worker = false).await;
    let photo = encode(
        image::load_from_memory(&screenshot_png(540, 1170, 4)).expect("decode"),
        ImageFormat::Jpeg,
    );
    let form = form_with(&valid_report())
        .part("evidence", file_part(photo, "photo.jpg", "image/jpeg"))
        .part(
            "evidence",
            file_part(small_image(ImageFormat::WebP), "b.webp", "image/webp"),
        )
        .part(
            "evidence",
            file_part(screenshot_png(540, 1170, 5), "shot.png", "image/png"),
        )
        .part(
            "evidence",
            file_part(b"%PDF-1.4\n%%EOF\n".to_vec(), "doc.pdf", "application/pdf"),
        );
    assert_eq!(app.post_report(form).await.status().as_u16(), 201);
    let rows = qinglang::db::run(&app.state().pool, |conn| {
        use diesel::prelude::*;
        use qinglang::db::schema::evidence::dsl::*;
        Ok(evidence
            .select((display_name, storage_key, phash, thumbnail))
            .order(id)
            .load::<(String, String, Option<i64>, Option<Vec<u8>>)>(conn)?)
    })
    .await
    .expect("rows");
    let fingerprinted: Vec<(&str, bool)> = rows
        .iter()
        .map(|(name, _, hash, thumb)| (name.as_str(), hash.is_some() && thumb.is_some()))
        .collect();
    assert_eq!(
        fingerprinted,
        [
            ("photo.jpg", true),
            ("b.webp", true),
            ("shot.png", true),
            ("doc.pdf", false)
        ]
    );
    // The same fingerprints the signals worker would compute from the stored files.
    for (name, key, hash, thumb) in &rows[..3] {
        let path = app
            .stored_files()
            .into_iter()
            .find(|p| p.ends_with(key))
            .expect("the stored image");
        let stored = std::fs::read(path).expect("read");
        let expected =
            qinglang::domain::signals::image_hash::fingerprint_image_bytes(&stored, 40_000_000)
                .expect("fingerprint");
        assert_eq!(*hash, Some(expected.hash.to_i64()), "{name}");
        assert_eq!(
            thumb.as_deref(),
            Some(&expected.thumbnail.to_bytes()[..]),
            "{name}"
        );
    }
}
