//! Every kind of bad input gets a problem+json naming the field, and leaves
//! no row and no file behind.

use std::time::{Duration, Instant};

use image::ImageFormat;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

fn with(field: &str, value: Value) -> Value {
    let mut report = valid_report();
    report[field] = value;
    report
}

async fn refused_report(report: &Value, status: u16, field: &str, code: &str) {
    let app = spawn_app().await;
    let response = app.post_report(form_with(report)).await;
    assert_refused(&app, response, status, field, code).await;
}

async fn refused_file(bytes: Vec<u8>, name: &str, field: &str, code: &str) {
    let app = spawn_app().await;
    let form = form_with(&valid_report())
        .part(
            "evidence",
            file_part(small_image(ImageFormat::Png), "ok.png", "image/png"),
        )
        .part("evidence", file_part(bytes, name, "image/png"));
    let response = app.post_report(form).await;
    assert_refused(&app, response, 422, field, code).await;
}

#[tokio::test]
async fn malformed_multipart_is_a_400() {
    let app = spawn_app().await;
    let body = b"--XYZ\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{\"a\":1}\r\n--XY"
        .to_vec();
    let response = post_raw(&app, "multipart/form-data; boundary=XYZ", body).await;
    assert_refused(&app, response, 400, "multipart", "malformed").await;
}

#[tokio::test]
async fn a_missing_report_part_is_named() {
    let app = spawn_app().await;
    let form = Form::new().part(
        "evidence",
        file_part(small_image(ImageFormat::Png), "a.png", "image/png"),
    );
    let response = app.post_report(form).await;
    assert_refused(&app, response, 422, "report", "required").await;
}

#[tokio::test]
async fn invalid_json_is_a_400_on_the_report_part() {
    let app = spawn_app().await;
    let form = Form::new().part(
        "report",
        Part::text("{\"category\": \"fake_review\",")
            .mime_str("application/json")
            .expect("mime"),
    );
    let response = app.post_report(form).await;
    assert_refused(&app, response, 400, "report", "malformed").await;
}

#[tokio::test]
async fn invalid_utf8_is_a_400_on_the_report_part() {
    let app = spawn_app().await;
    let mut bytes = br#"{"category":"fake_review","merchant_name":""#.to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    bytes.extend_from_slice(br#""}"#);
    let form = Form::new().part(
        "report",
        Part::bytes(bytes)
            .mime_str("application/json")
            .expect("mime"),
    );
    let response = app.post_report(form).await;
    assert_refused(&app, response, 400, "report", "malformed").await;
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_harm() {
    let app = spawn_app().await;
    let depth = 100_000;
    for nested in [
        format!(
            "{{\"logistics\": {}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
    ] {
        let form = Form::new().part(
            "report",
            Part::text(nested)
                .mime_str("application/json")
                .expect("mime"),
        );
        let response = app.post_report(form).await;
        let (status, body) = problem(response).await;
        assert!(status == 400 || status == 422, "{body}");
        assert!(!error_fields(&body).is_empty(), "{body}");
        app.assert_nothing_stored().await;
    }
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("alive")
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn an_unknown_category_is_named() {
    refused_report(
        &with("category", json!("fake_news")),
        422,
        "category",
        "invalid_choice",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_platform_is_named() {
    refused_report(
        &with("platform", json!("amazon")),
        422,
        "platform",
        "invalid_choice",
    )
    .await;
}

#[tokio::test]
async fn a_description_too_short_is_named() {
    refused_report(
        &with("description", json!("太短了")),
        422,
        "description",
        "length",
    )
    .await;
}

#[tokio::test]
async fn a_description_too_long_is_named() {
    refused_report(
        &with("description", json!("长".repeat(5001))),
        422,
        "description",
        "length",
    )
    .await;
}

#[tokio::test]
async fn too_many_review_texts_are_refused() {
    refused_report(
        &with("review_texts", json!(vec!["五星好评"; 51])),
        422,
        "review_texts",
        "too_many",
    )
    .await;
}

#[tokio::test]
async fn a_bad_email_is_named() {
    let report = with("reporter", json!({"email": "zhang at example"}));
    refused_report(&report, 422, "reporter.email", "email").await;
}

#[tokio::test]
async fn a_bad_phone_is_named() {
    let report = with("reporter", json!({"phone": "12345"}));
    refused_report(&report, 422, "reporter.phone", "phone").await;
}

#[tokio::test]
async fn a_nul_byte_in_a_text_field_is_a_422_not_a_500() {
    refused_report(
        &with("merchant_name", json!("某某\u{0}店")),
        422,
        "merchant_name",
        "control_characters",
    )
    .await;
    refused_report(
        &with(
            "description",
            json!("描述里藏着一个空字节\u{0}之后还有内容"),
        ),
        422,
        "description",
        "control_characters",
    )
    .await;
}

#[tokio::test]
async fn all_problems_are_reported_together() {
    let app = spawn_app().await;
    let response = app
        .post_report(form_with(&json!({"description": "短"})))
        .await;
    let (status, body) = problem(response).await;
    assert_eq!(status, 422);
    let fields: Vec<String> = error_fields(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        ["category", "description", "merchant_name", "platform"]
    );
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn a_body_that_is_not_multipart_is_a_415() {
    let app = spawn_app().await;
    let response = post_raw(
        &app,
        "application/json",
        valid_report().to_string().into_bytes(),
    )
    .await;
    let (status, _) = problem(response).await;
    assert_eq!(status, 415);
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn too_many_files_is_a_413() {
    let app = spawn_app().await;
    let mut form = form_with(&valid_report());
    for i in 0..11 {
        form = form.part(
            "evidence",
            file_part(
                small_image(ImageFormat::Png),
                &format!("{i}.png"),
                "image/png",
            ),
        );
    }
    let response = app.post_report(form).await;
    assert_refused(&app, response, 413, "evidence", "too_many_files").await;
}

#[tokio::test]
async fn a_file_over_the_limit_is_a_413_and_the_rest_is_not_read() {
    let app = spawn_app_with(|config| config.max_file_bytes = 1024 * 1024).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let boundary = "qinglangboundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\nContent-Type: application/json\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n",
        valid_report()
    );
    // We announce 30 MiB (within the total limit) but the file limit is 1 MiB.
    let announced = head.len() + 30 * 1024 * 1024;
    let request = format!(
        "POST /api/v1/reports HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {announced}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("headers");
    stream.write_all(head.as_bytes()).await.expect("head");
    let started = Instant::now();
    let chunk = vec![0x42u8; 64 * 1024];
    let mut sent = 0usize;
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        while sent < 30 * 1024 * 1024 {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), reader.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                response.extend_from_slice(&buffer[..n]);
                if response.windows(4).any(|w| w == b"\r\n\r\n")
                    && String::from_utf8_lossy(&response).contains("}")
                {
                    break;
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("evidence[0]"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(15));
    writing.abort();
    app.assert_nothing_stored().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("alive")
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_declared_body_beyond_every_limit_is_refused_before_reading() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let request = format!(
        "POST /api/v1/reports HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n",
        10u64 * 1024 * 1024 * 1024
    );
    stream.write_all(request.as_bytes()).await.expect("headers");
    let mut buffer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
        .await
        .expect("answered without the body")
        .expect("read");
    let text = String::from_utf8_lossy(&buffer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
}

#[tokio::test]
async fn a_zero_byte_file_is_named() {
    refused_file(Vec::new(), "empty.png", "evidence[1]", "empty").await;
}

#[tokio::test]
async fn html_named_png_is_refused() {
    refused_file(
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec(),
        "shot.png",
        "evidence[1]",
        "unsupported_type",
    )
    .await;
}

#[tokio::test]
async fn php_named_png_is_refused() {
    refused_file(
        b"<?php echo shell_exec($_GET['c']); ?>".to_vec(),
        "shot.png",
        "evidence[1]",
        "unsupported_type",
    )
    .await;
}

#[tokio::test]
async fn an_elf_binary_named_png_is_refused() {
    let mut elf =
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    elf.extend(std::iter::repeat_n(0u8, 512));
    refused_file(elf, "shot.png", "evidence[1]", "unsupported_type").await;
}

#[tokio::test]
async fn svg_is_refused() {
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>"#;
    refused_file(svg.to_vec(), "shot.svg", "evidence[1]", "unsupported_type").await;
}

#[tokio::test]
async fn truncated_images_are_refused() {
    for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
        let image = screenshot_png(120, 240, 3);
        let full = encode(image::load_from_memory(&image).expect("decode"), format);
        let truncated = full[..full.len() * 2 / 3].to_vec();
        refused_file(truncated, "cut.png", "evidence[1]", "corrupt_image").await;
    }
}

#[tokio::test]
async fn large_truncated_or_corrupt_pngs_are_refused() {
    // Large enough to be spooled to disk and checked as a stream.
    let noise = noise_image(500, 400, 7);
    let full = encode(image::DynamicImage::ImageRgb8(noise), ImageFormat::Png);
    assert!(full.len() > 512 * 1024);
    // Cut in the pixel data, and cut just before IEND.
    for cut in [full.len() / 2, full.len() - 12] {
        refused_file(
            full[..cut].to_vec(),
            "cut.png",
            "evidence[1]",
            "corrupt_image",
        )
        .await;
    }
    // One flipped bit in the pixel data: the chunk's CRC no longer matches.
    let mut flipped = full.clone();
    flipped[full.len() / 2] ^= 0x10;
    refused_file(flipped, "flip.png", "evidence[1]", "corrupt_image").await;
}

/// A PNG assembled chunk by chunk (with correct CRCs) around an RGB(A) header.
fn png_with(width: u32, height: u32, color_type: u8, idat: &[u8]) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        png.extend_from_slice(&crc.finalize().to_be_bytes());
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, color_type, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", idat);
    chunk(b"IEND", b"");
    png
}

#[tokio::test]
async fn a_corrupt_png_with_valid_chunks_is_refused() {
    // Valid structure and CRCs, but the compressed pixel data is garbage.
    let png = png_with(64, 64, 2, b"\x78\x9cthis is not deflate data at all");
    refused_file(png, "bad.png", "evidence[1]", "corrupt_image").await;
}

#[tokio::test]
async fn a_png_claiming_100000_by_100000_pixels_is_refused_before_decoding() {
    // A compressed stream of zeros that would inflate to gigabytes if decoded.
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        std::io::Write::write_all(&mut encoder, &zeros).expect("compress");
    }
    let png = png_with(100_000, 100_000, 6, &encoder.finish().expect("finish"));
    let started = Instant::now();
    // The code says which check refused it: pixels, from the header — not a decoding failure.
    refused_file(png, "bomb.png", "evidence[1]", "too_many_pixels").await;
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_nothing_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connect");
        let boundary = "cut";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"a.png\"\r\n\r\n",
            valid_report()
        );
        let request = format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
            head.len() + 5 * 1024 * 1024
        );
        stream.write_all(request.as_bytes()).await.expect("headers");
        stream.write_all(head.as_bytes()).await.expect("head");
        // 3 MiB of the announced 5: past the in-memory spool, so a staged file exists.
        stream
            .write_all(&vec![7u8; 3 * 1024 * 1024])
            .await
            .expect("part of the body");
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(stream);
    }
    app.assert_nothing_stored().await;
    let form = form_with(&valid_report()).part(
        "evidence",
        file_part(small_image(ImageFormat::Png), "a.png", "image/png"),
    );
    assert_eq!(app.post_report(form).await.status().as_u16(), 201);
}

#[tokio::test]
async fn an_unexpected_part_is_named() {
    let app = spawn_app().await;
    let form = form_with(&valid_report()).text("hacker", "1");
    let response = app.post_report(form).await;
    assert_refused(&app, response, 400, "hacker", "malformed").await;
}
