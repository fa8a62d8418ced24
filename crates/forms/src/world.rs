//! The Typst "world" the form compiles in: one template, three fixed virtual
//! files (`/data.json`, `/photo.jpg`, `/qr.svg`), the bundled fonts, and no
//! access to the file system, the network or the clock.

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::visualize::{ExchangeFormat, RasterImage};
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::{FormData, FormError};

static TEMPLATE: &str = include_str!("../templates/registration.typ");
static SERIF: &[u8] = include_bytes!("../fonts/NotoSerifCJK-Regular.ttc");
static EXT_B: &[u8] = include_bytes!("../fonts/HanaMinB.ttf");

/// How many renders a cached layout result may go unused before eviction.
const CACHE_AGE: usize = 10;

fn file_id(path: &str) -> Result<FileId, FormError> {
    let vpath =
        VirtualPath::new(path).map_err(|_| FormError::Layout(format!("invalid path {path}")))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

/// Parsed fonts and Typst's library, shared by every render.
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: FileId,
    data_id: FileId,
    photo_id: FileId,
    qr_id: FileId,
    template: Source,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Renderer")
    }
}

impl Renderer {
    pub fn new() -> Result<Renderer, FormError> {
        let mut fonts: Vec<Font> = Font::iter(Bytes::new(SERIF)).collect();
        fonts.extend(Font::iter(Bytes::new(EXT_B)));
        if fonts.is_empty() {
            return Err(FormError::Fonts);
        }
        let main = file_id("/form.typ")?;
        Ok(Renderer {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            template: Source::new(main, TEMPLATE.to_owned()),
            fonts,
            main,
            data_id: file_id("/data.json")?,
            photo_id: file_id("/photo.jpg")?,
            qr_id: file_id("/qr.svg")?,
        })
    }

    /// The first character of any field that no bundled font covers.
    pub fn check_glyphs(&self, data: &FormData) -> Result<(), FormError> {
        for (field, text) in data.texts() {
            for ch in text.chars() {
                if ch.is_control() {
                    return Err(FormError::ControlCharacter { field });
                }
                if ch.is_whitespace() {
                    continue;
                }
                if !self
                    .fonts
                    .iter()
                    .any(|f| f.info().coverage.contains(ch as u32))
                {
                    return Err(FormError::MissingGlyph {
                        field,
                        ch,
                        code: ch as u32,
                    });
                }
            }
        }
        Ok(())
    }

    /// Renders the two-page PDF.
    pub fn render(&self, data: &FormData) -> Result<Vec<u8>, FormError> {
        self.render_counted(data).map(|(pdf, _)| pdf)
    }

    /// Renders the PDF and says how many pages it has: two, unless a value
    /// overflowed the layout (which tests must catch).
    pub fn render_counted(&self, data: &FormData) -> Result<(Vec<u8>, usize), FormError> {
        self.check_glyphs(data)?;
        let photo = match &data.photo_jpeg {
            // A JPEG ends with EOI: the decoder would grey-fill a truncated one.
            Some(bytes) if !bytes.ends_with(&[0xFF, 0xD9]) => return Err(FormError::Photo),
            Some(bytes) => {
                let bytes = Bytes::new(bytes.clone());
                // Decoded once here (Typst memoises it for the layout), so a
                // damaged photo is a clear error, not a layout failure.
                RasterImage::plain(bytes.clone(), ExchangeFormat::Jpg)
                    .map_err(|_| FormError::Photo)?;
                Some(bytes)
            }
            None => None,
        };
        let qr = match &data.qr_payload {
            Some(payload) => Some(Bytes::new(crate::qr::svg(payload)?.into_bytes())),
            None => None,
        };
        let mut json = serde_json::to_value(data).map_err(|e| FormError::Layout(e.to_string()))?;
        if let Some(obj) = json.as_object_mut() {
            obj.insert("has_photo".into(), photo.is_some().into());
            obj.insert("has_qr".into(), qr.is_some().into());
            obj.insert("course_count".into(), data.courses.len().to_string().into());
        }
        let world = FormWorld {
            r: self,
            data: Bytes::new(
                serde_json::to_vec(&json).map_err(|e| FormError::Layout(e.to_string()))?,
            ),
            photo,
            qr,
        };
        let result = typst::compile::<PagedDocument>(&world).output;
        comemo::evict(CACHE_AGE);
        let document = result.map_err(|e| layout_error(&e))?;
        let pages = document.pages().len();
        let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
            .map_err(|e| layout_error(&e))?;
        Ok((pdf, pages))
    }
}

/// Typst's diagnostics, for the log: they mean the template is wrong, not
/// the data, which `check_glyphs` and the photo check have vetted.
fn layout_error(errors: &[SourceDiagnostic]) -> FormError {
    FormError::Layout(
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

struct FormWorld<'a> {
    r: &'a Renderer,
    data: Bytes,
    photo: Option<Bytes>,
    qr: Option<Bytes>,
}

impl World for FormWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.r.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.r.book
    }

    fn main(&self) -> FileId {
        self.r.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.r.main {
            Ok(self.r.template.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let found = if id == self.r.data_id {
            Some(self.data.clone())
        } else if id == self.r.photo_id {
            self.photo.clone()
        } else if id == self.r.qr_id {
            self.qr.clone()
        } else if id == self.r.main {
            Some(Bytes::from_string(self.r.template.text().to_owned()))
        } else {
            None
        };
        found.ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.r.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
