//! The derived cases: each a known transformation of the compliant base
//! portrait, so each knows which rules it must fail.

use super::*;

/// One derived photo: how it was made and which rules it must fail.
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub file_name: Option<&'static str>,
    pub must_fail: Vec<Code>,
}

fn case(name: &'static str, bytes: Vec<u8>, must_fail: &[Code]) -> Case {
    Case {
        name,
        bytes,
        file_name: None,
        must_fail: must_fail.to_vec(),
    }
}

/// Every derived case. Each changes one thing about the compliant base.
pub fn derived_cases() -> Vec<Case> {
    let (base_jpeg, img) = base();
    let face = base_face();
    let (fx, fy) = (face.centre_x, face.eye_line);
    let fw = face.face_width;
    let bg = backdrop();
    let in_face = |x: u32, y: u32| {
        let (dx, dy) = (
            (x as f32 - fx) / (fw * 0.5),
            (y as f32 - (fy + fw * 0.25)) / (fw * 0.75),
        );
        dx * dx + dy * dy < 1.0
    };
    // A lens-sized ellipse around one eye.
    let over_eye = |e: &photo::face::Eye, x: u32, y: u32| {
        let (dx, dy) = (
            (x as f32 - e.centre.0) / (fw * 0.16),
            (y as f32 - e.centre.1) / (fw * 0.1),
        );
        dx * dx + dy * dy < 1.0
    };
    let lens = |x: u32, y: u32| face.eyes.iter().any(|e| over_eye(e, x, y));
    let mut cases = vec![
        case("base", base_jpeg.clone(), &[]),
        case(
            "shifted_right",
            deliverable(&shift(img, 48, 0)),
            &[Code::Centred],
        ),
        case(
            "shifted_up",
            deliverable(&shift(img, 0, -40)),
            &[Code::HeadTop],
        ),
        case(
            "scaled_up",
            deliverable(&zoom(img, 1.3)),
            &[Code::FaceWidth],
        ),
        case(
            "scaled_down",
            deliverable(&zoom(img, 0.6)),
            &[Code::FaceWidth],
        ),
        case(
            "rotated",
            deliverable(&rotate(img, 12.0, fx, fy)),
            &[Code::Roll],
        ),
        case(
            "gradient_background",
            deliverable(&repaint_backdrop(img, |_, y| {
                scale_rgb(bg, 1.0 - 0.4 * y as f32 / 640.0)
            })),
            &[Code::BackgroundUniform],
        ),
        case(
            "shadowed_background",
            deliverable(&repaint_backdrop(img, |x, y| {
                let (dx, dy) = (x as f32 - (fx + fw * 0.8), y as f32 - fy);
                if dx * dx / 1.5 + dy * dy < (fw * 0.7).powi(2) {
                    scale_rgb(bg, 0.72)
                } else {
                    bg
                }
            })),
            &[Code::BackgroundUniform],
        ),
        case(
            // A lamp up and to the left throws the head's shadow onto the
            // wall, a band beside the silhouette: the cells far from it
            // stay even, so only a model of the wall's shading near the
            // outline sees it.
            "head_shadow",
            deliverable(&{
                let bg = backdrop();
                let (dx, dy) = (16i64, 10i64);
                map(img, |x, y, p| {
                    let (sx, sy) = (i64::from(x) - dx, i64::from(y) - dy);
                    let caster = sx >= 0 && sy >= 0 && !is_backdrop(img.at_clamped(sx, sy), bg);
                    if is_backdrop(p, bg) && caster {
                        scale_rgb(p, 0.8)
                    } else {
                        p
                    }
                })
            }),
            &[Code::BackgroundUniform],
        ),
        case(
            "yellow_background",
            deliverable(&repaint_backdrop(img, |_, _| [236, 222, 170])),
            &[Code::BackgroundColour],
        ),
        case(
            "dark_background",
            deliverable(&repaint_backdrop(img, |_, _| [105, 105, 110])),
            &[Code::BackgroundColour],
        ),
        case(
            "darkened_half_face",
            deliverable(&map(img, |x, y, p| {
                if in_face(x, y) && (x as f32) < fx {
                    scale_rgb(p, 0.55)
                } else {
                    p
                }
            })),
            &[Code::LightingEven],
        ),
        case("blurred", deliverable(&blur(img, 2.5)), &[Code::Sharpness]),
        case(
            "bordered",
            deliverable(&map(img, |x, y, p| {
                if x < 10 || y < 10 || x >= img.width - 10 || y >= img.height - 10 {
                    [20, 40, 140]
                } else {
                    p
                }
            })),
            &[Code::Border],
        ),
        case(
            "text_added",
            deliverable(&map(img, |x, y, p| {
                // Block letters in the upper-left backdrop: strokes 4 px wide.
                let (gx, gy) = (x.wrapping_sub(20), y.wrapping_sub(24));
                let on = gx < 150 && gy < 40 && ((gx % 26 < 4) || (gy % 18 < 4 && gx % 26 < 18));
                if on {
                    [10, 10, 10]
                } else {
                    p
                }
            })),
            &[Code::BackgroundClutter],
        ),
        case("recompressed_q30", jpeg(img, 30), &[Code::FileQuality]),
        case("greyscale", grey_jpeg(img), &[Code::FileColourMode]),
        case("cmyk", cmyk_jpeg(img), &[Code::FileColourMode]),
        case(
            "progressive",
            progressive_jpeg(img),
            &[Code::FileProgressive],
        ),
        case(
            "truncated",
            base_jpeg[..base_jpeg.len() * 6 / 10].to_vec(),
            &[Code::FileTruncated],
        ),
        case(
            "one_pixel",
            jpeg(&Rgb::from_fn(1, 1, |_, _| [128, 128, 128]), 90),
            &[Code::FileDimensions, Code::FaceNone],
        ),
        case(
            "bomb_header",
            with_dimensions(base_jpeg, 30000, 30000),
            &[Code::FileDecodeLimit],
        ),
        case(
            "exif_rotated",
            with_orientation(base_jpeg, 6),
            &[Code::FileOrientationTag],
        ),
        case(
            "no_density",
            photo::encode::jpeg(img, 88, photo::encode::Subsampling::S420, 72).expect("encodes"),
            &[Code::FileResolution],
        ),
        case(
            "too_large_file",
            photo::encode::jpeg(img, 99, photo::encode::Subsampling::S444, 300).expect("encodes"),
            &[Code::FileSize],
        ),
        case(
            "red_eye",
            deliverable(&map(img, |x, y, p| {
                let red = face.eyes.iter().any(|e| {
                    (x as f32 - e.centre.0).hypot(y as f32 - e.centre.1) < e.radius.max(4.0) * 0.9
                });
                if red {
                    [200, 30, 35]
                } else {
                    p
                }
            })),
            &[Code::RedEye],
        ),
        case(
            "glasses_glare",
            deliverable(&map(img, |x, y, p| {
                let spot = face.eyes.iter().any(|e| {
                    let (dx, dy) = (
                        x as f32 - (e.centre.0 + fw * 0.07),
                        y as f32 - (e.centre.1 - fw * 0.04),
                    );
                    (dx / (fw * 0.05)).powi(2) + (dy / (fw * 0.03)).powi(2) < 1.0
                });
                if spot {
                    [252, 252, 252]
                } else {
                    p
                }
            })),
            &[Code::GlassesGlare],
        ),
        case(
            "tinted_glasses",
            deliverable(&map(
                img,
                |x, y, p| if lens(x, y) { tinted_lens(p) } else { p },
            )),
            &[Code::GlassesTinted],
        ),
        // A shadow over one eye socket with the room's fill light in it
        // darkens and veils that eye just as a lens does, but only that eye:
        // glasses are a pair, so this is not a tinted lens.
        case(
            "one_eye_in_shadow",
            deliverable(&map(img, |x, y, p| {
                if over_eye(&face.eyes[0], x, y) {
                    tinted_lens(p)
                } else {
                    p
                }
            })),
            &[],
        ),
        // Light from straight above leaves both eye sockets in the brows'
        // shadow, veiled by the fill light as a lens would be, but the shadow
        // fades down the cheek where a lens would end at its rim.
        case(
            "eyes_in_brow_shadow",
            deliverable(&map(img, |x, y, p| {
                let t = face.eyes.iter().fold(0f32, |t, e| {
                    let (dx, dy) = (x as f32 - e.centre.0, y as f32 - e.centre.1);
                    let fade = (1.0 - dy / (fw * 0.15)).clamp(0.0, 1.0);
                    if dx.abs() < fw * 0.16 && dy > -fw * 0.1 {
                        t.max(fade)
                    } else {
                        t
                    }
                });
                blend(p, tinted_lens(p), t)
            })),
            &[],
        ),
        case(
            "overexposed",
            deliverable(&map(img, |_, _, p| scale_rgb(p, 1.7))),
            &[Code::Exposure],
        ),
        case(
            "underexposed",
            deliverable(&map(img, |_, _, p| scale_rgb(p, 0.35))),
            &[Code::Exposure],
        ),
        case(
            "second_face",
            deliverable(&paste_face(img, img, face, (img.width as f32 - 154.0, 4.0))),
            &[Code::FaceMultiple],
        ),
        // Another person, taller, cut by the side edge through the middle of
        // the face: in the top corner, above the candidate's head height
        // (the candidate made smaller, to leave room beside the head).
        case(
            "second_face_cut_by_the_edge",
            deliverable(&paste_face(
                &zoom(img, 0.6),
                img,
                face,
                (img.width as f32 - 75.0, 4.0),
            )),
            &[Code::FaceMultiple],
        ),
        case(
            "decolourised",
            deliverable(&map(img, |_, _, p| [grey(p); 3])),
            &[Code::ImageColour],
        ),
    ];
    let mut webp = case("webp_named_jpg", webp(img), &[Code::FileFormat]);
    webp.file_name = Some("photo.jpg");
    cases.push(webp);
    let mut png_named = case("png_named_jpg", png(img), &[Code::FileFormat]);
    png_named.file_name = Some("photo.JPG");
    cases.push(png_named);
    let mut wrong_ext = case("wrong_extension", base_jpeg.clone(), &[Code::FileExtension]);
    wrong_ext.file_name = Some("photo.jpeg2");
    cases.push(wrong_ext);
    cases
}

fn grey(p: [u8; 3]) -> u8 {
    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
}

fn encode_with(
    img: &Rgb,
    data: &[u8],
    colour: jpeg_encoder::ColorType,
    progressive: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 88);
    enc.set_density(jpeg_encoder::PixelDensity::dpi(300));
    enc.set_progressive(progressive);
    enc.encode(data, img.width as u16, img.height as u16, colour)
        .expect("encodes");
    out
}

fn grey_jpeg(img: &Rgb) -> Vec<u8> {
    let data: Vec<u8> = img
        .data
        .chunks_exact(3)
        .map(|p| grey([p[0], p[1], p[2]]))
        .collect();
    encode_with(img, &data, jpeg_encoder::ColorType::Luma, false)
}

fn cmyk_jpeg(img: &Rgb) -> Vec<u8> {
    let data: Vec<u8> = img
        .data
        .chunks_exact(3)
        .flat_map(|p| {
            let k = 255 - p.iter().copied().max().unwrap_or(0);
            [255 - p[0] - k, 255 - p[1] - k, 255 - p[2] - k, k]
        })
        .collect();
    encode_with(img, &data, jpeg_encoder::ColorType::Cmyk, false)
}

fn progressive_jpeg(img: &Rgb) -> Vec<u8> {
    encode_with(img, &img.data, jpeg_encoder::ColorType::Rgb, true)
}

fn webp(img: &Rgb) -> Vec<u8> {
    let mut out = Vec::new();
    image_webp::WebPEncoder::new(&mut out)
        .encode(
            &img.data,
            img.width,
            img.height,
            image_webp::ColorType::Rgb8,
        )
        .expect("encodes");
    out
}

fn png(img: &Rgb) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, img.width, img.height);
    enc.set_color(png::ColorType::Rgb);
    enc.write_header()
        .and_then(|mut w| w.write_image_data(&img.data))
        .expect("encodes");
    out
}

/// A copy of `face` in `src`, 150 px square, pasted into `img` with its
/// top-left corner at `(tx0, ty0)` (what falls beyond the picture is lost).
fn paste_face(img: &Rgb, src: &Rgb, face: &Face, (tx0, ty0): (f32, f32)) -> Rgb {
    let half = face.face_width * 0.75;
    let (sx0, sy0) = (face.centre_x - half, face.eye_line - half * 0.9);
    let size = 2.0 * half;
    let target = 150.0;
    map(img, |x, y, p| {
        let (u, v) = ((x as f32 - tx0) / target, (y as f32 - ty0) / target);
        if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
            src.sample(sx0 + u * size, sy0 + v * size)
                .map(|q| q.map(|c| c as u8))
                .unwrap_or(p)
        } else {
            p
        }
    })
}
