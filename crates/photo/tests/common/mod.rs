//! Shared by the photo crate's integration tests: the sample photos, one
//! engine, JPEG helpers, and the derived cases — each a known transformation
//! of a compliant photo, so each knows its own ground truth.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use photo::decode::{decode, Want};
use photo::face::{Face, Models};
use photo::raster::Rgb;
use photo::{Code, Engine, PhotoSpec};

pub fn photos_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/photos")
}

/// The hand-labelled real portraits (`labels.csv`, `images/`).
pub fn real_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/real")
}

/// A labelled real portrait (`tests/real/images/`) decoded as the check
/// decodes it for analysis.
pub fn real_analysed(file: &str) -> Rgb {
    let bytes = std::fs::read(real_dir().join("images").join(file)).expect("photo");
    let want = photo::decode::Want {
        min_short_side: 640,
        max_pixels: 50_000_000,
    };
    photo::decode::decode(&bytes, want).expect("decodes").image
}

pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(photos_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load().expect("bundled models load"))
}

pub fn models() -> &'static Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS.get_or_init(|| Models::load().expect("bundled models load"))
}

pub fn spec() -> PhotoSpec {
    PhotoSpec::certificate()
}

pub fn pixels(bytes: &[u8]) -> Rgb {
    decode(
        bytes,
        Want {
            min_short_side: 0,
            max_pixels: 100_000_000,
        },
    )
    .expect("decodable")
    .image
}

/// Baseline 4:2:0 JPEG at 300 dpi, as a camera app would write it.
pub fn jpeg(img: &Rgb, quality: u8) -> Vec<u8> {
    photo::encode::jpeg(img, quality, photo::encode::Subsampling::S420, 300).expect("encodes")
}

/// A JPEG of `img` in the size window (the fixer's encoder search).
pub fn deliverable(img: &Rgb) -> Vec<u8> {
    photo::encode::to_spec(img, &spec())
        .expect("encodes to spec")
        .bytes
}

/// The compliant base photo every derived case starts from: sample 3, fixed.
pub fn base() -> &'static (Vec<u8>, Rgb) {
    static BASE: OnceLock<(Vec<u8>, Rgb)> = OnceLock::new();
    BASE.get_or_init(|| {
        let fixed = engine()
            .fix(&sample("sample_id_3.png"), &spec())
            .unwrap_or_else(|u| panic!("sample 3 fixes: {:?}", u.advice()));
        let img = pixels(&fixed.jpeg);
        (fixed.jpeg, img)
    })
}

pub fn base_face() -> &'static Face {
    static FACE: OnceLock<Face> = OnceLock::new();
    FACE.get_or_init(|| {
        photo::face::analyse(models(), &base().1)
            .expect("analysis runs")
            .face
            .expect("the base has a face")
    })
}

pub fn failed(report: &photo::Report) -> Vec<&'static str> {
    report.failures().map(|f| f.code.as_str()).collect()
}

pub fn assert_fails(report: &photo::Report, code: Code, case: &str) {
    assert_eq!(
        report.outcome(code),
        Some(photo::Outcome::Fail),
        "{case}: expected {} to fail; failures: {:?}",
        code.as_str(),
        failed(report)
    );
}

// Transformations --------------------------------------------------------------

pub fn map(img: &Rgb, f: impl Fn(u32, u32, [u8; 3]) -> [u8; 3]) -> Rgb {
    Rgb::from_fn(img.width, img.height, |x, y| f(x, y, img.at(x, y)))
}

/// Moves the picture by (dx, dy), repeating the edges into the gap.
pub fn shift(img: &Rgb, dx: i64, dy: i64) -> Rgb {
    Rgb::from_fn(img.width, img.height, |x, y| {
        img.at_clamped(i64::from(x) - dx, i64::from(y) - dy)
    })
}

/// Scales about the centre (bilinear), repeating the edges when shrinking.
pub fn zoom(img: &Rgb, k: f32) -> Rgb {
    let (cx, cy) = (img.width as f32 / 2.0, img.height as f32 / 2.0);
    Rgb::from_fn(img.width, img.height, |x, y| {
        let sx = cx + (x as f32 + 0.5 - cx) / k;
        let sy = cy + (y as f32 + 0.5 - cy) / k;
        let p = img
            .sample(
                sx.clamp(0.5, img.width as f32 - 0.5),
                sy.clamp(0.5, img.height as f32 - 0.5),
            )
            .unwrap_or([0.0; 3]);
        p.map(|v| v.round() as u8)
    })
}

/// Rotates by `deg` degrees about (cx, cy).
pub fn rotate(img: &Rgb, deg: f32, cx: f32, cy: f32) -> Rgb {
    let (s, c) = deg.to_radians().sin_cos();
    Rgb::from_fn(img.width, img.height, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let (sx, sy) = (cx + dx * c + dy * s, cy - dx * s + dy * c);
        let p = img
            .sample(
                sx.clamp(0.5, img.width as f32 - 0.5),
                sy.clamp(0.5, img.height as f32 - 0.5),
            )
            .unwrap_or([0.0; 3]);
        p.map(|v| v.round() as u8)
    })
}

pub fn mirror(img: &Rgb) -> Rgb {
    Rgb::from_fn(img.width, img.height, |x, y| img.at(img.width - 1 - x, y))
}

/// Separable Gaussian blur.
pub fn blur(img: &Rgb, sigma: f32) -> Rgb {
    let r = (sigma * 3.0).ceil() as i64;
    let k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    let pass = |src: &Rgb, horizontal: bool| {
        Rgb::from_fn(src.width, src.height, |x, y| {
            let mut acc = [0f32; 3];
            for (i, w) in k.iter().enumerate() {
                let d = i as i64 - r;
                let p = if horizontal {
                    src.at_clamped(i64::from(x) + d, i64::from(y))
                } else {
                    src.at_clamped(i64::from(x), i64::from(y) + d)
                };
                for c in 0..3 {
                    acc[c] += w * f32::from(p[c]);
                }
            }
            acc.map(|v| (v / sum).round() as u8)
        })
    };
    pass(&pass(img, true), false)
}

pub fn is_backdrop(p: [u8; 3], backdrop: [u8; 3]) -> bool {
    let d: i32 = (0..3)
        .map(|c| (i32::from(p[c]) - i32::from(backdrop[c])).abs())
        .sum();
    d < 24
}

/// The base's backdrop colour (its top-left corner).
pub fn backdrop() -> [u8; 3] {
    base().1.at(4, 4)
}

/// Replaces backdrop pixels by `f(x, y)`.
pub fn repaint_backdrop(img: &Rgb, f: impl Fn(u32, u32) -> [u8; 3]) -> Rgb {
    let bg = backdrop();
    map(img, |x, y, p| if is_backdrop(p, bg) { f(x, y) } else { p })
}

pub fn scale_rgb(p: [u8; 3], k: f32) -> [u8; 3] {
    p.map(|v| (f32::from(v) * k).round().clamp(0.0, 255.0) as u8)
}

/// A brown sunglass lens over a pixel: it passes a quarter of the light and
/// adds its own reflection of the room, a faint brown veil. The veil is what
/// tells a lens from a shadow (`min_shadowed_eye_contrast`): darkening alone
/// would keep the whites of the eye as bright against the iris as before.
pub fn tinted_lens(p: [u8; 3]) -> [u8; 3] {
    let veil = [24.0, 19.0, 14.0];
    std::array::from_fn(|c| (f32::from(p[c]) * 0.25 + veil[c]).round().clamp(0.0, 255.0) as u8)
}

/// `a` moved a share `t` of the way to `b`.
pub fn blend(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    std::array::from_fn(|c| (f32::from(a[c]) * (1.0 - t) + f32::from(b[c]) * t).round() as u8)
}

/// Inserts a JFIF-compatible APP1 EXIF block with an orientation tag after SOI.
pub fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2A\x00\x00\x00\x08\x00\x01".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((seg.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&seg);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Rewrites the frame header's dimensions: a header that promises a bomb.
pub fn with_dimensions(jpeg: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let at = out
        .windows(2)
        .position(|m| m == [0xFF, 0xC0] || m == [0xFF, 0xC2])
        .expect("a frame header");
    out[at + 5..at + 7].copy_from_slice(&h.to_be_bytes());
    out[at + 7..at + 9].copy_from_slice(&w.to_be_bytes());
    out
}

// Derived cases -----------------------------------------------------------------

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
