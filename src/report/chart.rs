//! Charts for the HTML pages, drawn by `plotters` into inline SVG (no fonts
//! are read: the SVG names a font family and the browser lays the text out).
//! Every chart is a `<figure>` with a caption, an SVG with a text
//! alternative (`<title>`, `<desc>`, `aria-label`) and its data as a table
//! beneath it; a chart of no data is not drawn (ARCHITECTURE.md § Reports).

use super::html::esc;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, SegmentValue, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write;

/// The data colours; annotations use `BAND` and greys.
pub(crate) const BLUE: RGBColor = RGBColor(0x3a, 0x6b, 0xc0);
pub(crate) const ORANGE: RGBColor = RGBColor(0xc8, 0x5a, 0x3a);
pub(crate) const GREEN: RGBColor = RGBColor(0x2a, 0x8d, 0x4a);
pub(crate) const GREY: RGBColor = RGBColor(0x77, 0x77, 0x77);
const BAND: RGBColor = RGBColor(0xe0, 0x4a, 0x3a);
const FONT: &str = "sans-serif";
/// Grid lines between the labelled ones: none.
const TRANSPARENT: RGBAColor = RGBAColor(0, 0, 0, 0.0);
const WIDTH: u32 = 760;

/// What a chart shows: its caption, the axes' descriptions (with units), a
/// sentence for readers who cannot see it.
pub(crate) struct Chart<'a> {
    pub title: &'a str,
    pub x: &'a str,
    pub y: &'a str,
    pub desc: String,
}

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// `v` with at most 3 significant digits and thousands kept whole (`12 300`, `4.56`, `0.012`).
pub(crate) fn num(v: f64) -> String {
    let a = v.abs();
    if v.fract() == 0.0 || a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// An axis tick: 10 000 as `10k`, a million as `1M`.
pub(crate) fn tick(v: f64) -> String {
    let a = v.abs();
    let (v, suffix) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = num(v);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    format!("{s}{suffix}")
}

/// Whether values span decades: a log axis shows both ends.
fn spans_decades(values: impl Iterator<Item = f64>) -> bool {
    let pos: Vec<f64> = values.filter(|v| *v > 0.0).collect();
    let lo = pos.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = pos.iter().cloned().fold(0.0, f64::max);
    pos.len() > 1 && hi / lo >= 50.0
}

/// Draws `body` on an SVG of `h` pixels and wraps it in the figure, with
/// `table` (header row, rows) as the data beneath.
fn figure(
    c: &Chart,
    h: u32,
    body: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Drawn,
    table: (&[&str], Vec<Vec<String>>),
) -> String {
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, h)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.into())
            .and_then(|_| body(&root))
            .and_then(|_| root.present().map_err(|e| e.into()))
    };
    let mut s = format!("<figure><figcaption>{}</figcaption>\n", esc(c.title));
    match drawn {
        Ok(()) => {
            let open = "xmlns=\"http://www.w3.org/2000/svg\">";
            let svg = svg.replacen(
                open,
                &format!(
                    "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\"><title>{}</title><desc>{}</desc>",
                    esc(c.title),
                    esc(c.title),
                    esc(&c.desc)
                ),
                1,
            );
            s.push_str(&svg);
        }
        Err(e) => {
            let _ = write!(s, "<p>(chart not drawn: {})</p>", esc(&e.to_string()));
        }
    }
    let _ = write!(
        s,
        "\n<details><summary>Data</summary><table><caption>{}</caption><tr>",
        esc(c.title)
    );
    for h in table.0 {
        let _ = write!(s, "<th scope=\"col\">{}</th>", esc(h));
    }
    s.push_str("</tr>\n");
    for row in table.1 {
        let mut cells = row.iter();
        if let Some(first) = cells.next() {
            let _ = write!(s, "<tr><th scope=\"row\">{}</th>", esc(first));
        }
        for c in cells {
            let _ = write!(s, "<td>{}</td>", esc(c));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table></details></figure>\n");
    s
}

fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// Horizontal bars, one row per category (so labels never overlap), the
/// value written at each bar's end; a log axis when the values span
/// decades. Nothing when `rows` is empty.
pub(crate) fn hbars(c: &Chart, unit: &str, rows: &[(String, f64)]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let n = rows.len();
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(1);
    let label_w = (longest as u32 * 7 + 16).clamp(60, 320);
    let h = 70 + 24 * n as u32;
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max).max(1e-9);
    let log = spans_decades(rows.iter().map(|r| r.1));
    let table = rows
        .iter()
        .map(|(k, v)| vec![k.clone(), format!("{} {unit}", num(*v))])
        .collect();
    let draw = |root: &DrawingArea<SVGBackend, Shift>| -> Drawn {
        if log {
            let lo = rows
                .iter()
                .map(|r| r.1)
                .filter(|v| *v > 0.0)
                .fold(f64::INFINITY, f64::min);
            // Below the least value, so its bar shows.
            let lo = 10f64.powf((lo * 0.9).log10().floor());
            let hi = 10f64.powf(max.log10().ceil()).max(lo * 10.0);
            hbars_on(root, (lo..hi).log_scale(), lo, c, label_w, rows, unit)
        } else {
            hbars_on(root, 0.0..max * 1.05, 0.0, c, label_w, rows, unit)
        }
    };
    figure(c, h, draw, (&[c.y, c.x], table))
}

fn hbars_on<X>(
    root: &DrawingArea<SVGBackend, Shift>,
    x: X,
    base: f64,
    c: &Chart,
    label_w: u32,
    rows: &[(String, f64)],
    unit: &str,
) -> Drawn
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let n = rows.len() as i32;
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .margin_right(90)
        .x_label_area_size(40)
        .y_label_area_size(label_w)
        .build_cartesian_2d(x, (0..n).into_segmented())?;
    let label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(j) if (0..n).contains(j) => {
            let l = &rows[(n - 1 - j) as usize].0;
            if l.chars().count() > 44 {
                format!("{}…", l.chars().take(43).collect::<String>())
            } else {
                l.clone()
            }
        }
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .y_labels(rows.len() + 1)
        .x_labels(8)
        .y_label_formatter(&label)
        .x_label_formatter(&|v| tick(*v))
        .x_desc(c.x)
        .label_style(font(15))
        .axis_desc_style(font(15))
        .draw()?;
    let bar = BLUE.filled();
    chart.draw_series(
        rows.iter()
            .enumerate()
            .filter(|r| r.1.1 > base)
            .map(|(i, r)| {
                let j = n - 1 - i as i32;
                let mut rect = Rectangle::new(
                    [
                        (base, SegmentValue::Exact(j)),
                        (r.1, SegmentValue::Exact(j + 1)),
                    ],
                    bar,
                );
                rect.set_margin(3, 3, 0, 0);
                rect
            }),
    )?;
    let at_end = font(14).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let j = n - 1 - i as i32;
        let x = if r.1 > base { r.1 } else { base };
        let u = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        Text::new(
            format!("  {}{u}", num(r.1)),
            (x, SegmentValue::CenterOf(j)),
            at_end.clone(),
        )
    }))?;
    Ok(())
}

/// A window of time marked on a timeline (a fault plan's outage), with its label.
pub(crate) struct Window {
    pub from: f64,
    pub to: f64,
    pub label: String,
}

/// Columns over a numeric x axis (`(x, width, value)`), e.g. rows per
/// second over the load, with `windows` shaded and labelled above the data
/// and `notes` written in the top margin. Nothing when every value is 0.
pub(crate) fn timeline(
    c: &Chart,
    columns: &[(f64, f64, f64)],
    windows: &[Window],
    notes: &[String],
) -> String {
    if columns.iter().all(|p| p.2 <= 0.0) {
        return String::new();
    }
    let x_max = columns
        .iter()
        .map(|p| p.0 + p.1)
        .chain(windows.iter().map(|w| w.to))
        .fold(0.0, f64::max);
    let y_max = columns.iter().map(|p| p.2).fold(0.0, f64::max) * 1.25;
    // Window labels take rows above the data, so neighbours do not overlap.
    let top = 16 * notes.len() as u32 + 16 * windows.len().min(3) as u32;
    let draw =
        |root: &DrawingArea<SVGBackend, Shift>| -> Drawn {
            let (head, plot) = root.split_vertically(top + 8);
            for (i, n) in notes.iter().enumerate() {
                head.draw(&Text::new(n.clone(), (70, 4 + 16 * i as i32), font(15)))?;
            }
            let mut chart = ChartBuilder::on(&plot)
                .margin(8)
                .margin_right(20)
                .x_label_area_size(40)
                .y_label_area_size(64)
                .build_cartesian_2d(0.0..x_max.max(1e-9), 0.0..y_max.max(1e-9))?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .x_labels(10)
                .y_labels(6)
                .x_label_formatter(&|v| tick(*v))
                .y_label_formatter(&|v| tick(*v))
                .x_desc(c.x)
                .y_desc(c.y)
                .label_style(font(15))
                .axis_desc_style(font(15))
                .draw()?;
            chart.draw_series(windows.iter().map(|w| {
                Rectangle::new([(w.from, 0.0), (w.to, y_max)], BAND.mix(0.18).filled())
            }))?;
            chart.draw_series(columns.iter().filter(|p| p.2 > 0.0).map(|&(x, w, v)| {
                let mut r = Rectangle::new([(x, 0.0), (x + w, v)], BLUE.filled());
                r.set_margin(0, 0, 0, if columns.len() < 80 { 1 } else { 0 });
                r
            }))?;
            let label = font(14).color(&BAND);
            for (i, w) in windows.iter().enumerate() {
                let y = y_max * (0.97 - 0.07 * (i % 3) as f64);
                chart.draw_series(std::iter::once(Text::new(
                    w.label.clone(),
                    (w.from, y),
                    label.clone(),
                )))?;
            }
            Ok(())
        };
    let mut rows = Vec::new();
    for w in windows {
        rows.push(vec![
            w.label.clone(),
            format!("{}–{}", num(w.from), num(w.to)),
            String::new(),
        ]);
    }
    for &(x, _, v) in columns {
        rows.push(vec![String::new(), num(x), num(v)]);
    }
    figure(c, 300 + top, draw, (&["annotation", c.x, c.y], rows))
}

/// One series of a `lines` chart: points (dots) or a line (dashed or not).
pub(crate) struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
    pub color: RGBColor,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Style {
    Dots,
    Line,
    Dashed,
}

/// A labelled point (a value label on the chart).
pub(crate) struct Mark {
    pub at: (f64, f64),
    pub label: String,
}

/// Lines and dots over linear axes from 0, the legend beside the plot (never
/// over the data), `marks` labelled where they are. `y_fmt` formats the y
/// ticks. Nothing when no series has a point.
pub(crate) fn lines(
    c: &Chart,
    series: &[Series],
    marks: &[Mark],
    x_fmt: &dyn Fn(f64) -> String,
    y_fmt: &dyn Fn(f64) -> String,
) -> String {
    if series.iter().all(|s| s.points.is_empty()) {
        return String::new();
    }
    let all = || series.iter().flat_map(|s| s.points.iter());
    let x_lo = all().map(|p| p.0).fold(f64::INFINITY, f64::min).min(0.0);
    let x_hi = all().map(|p| p.0).fold(0.0, f64::max);
    let x_hi = if x_hi <= x_lo { x_lo + 1.0 } else { x_hi };
    let y_hi = all().map(|p| p.1).fold(0.0, f64::max).max(1e-9) * 1.12;
    let legend_w = 210;
    let draw = |root: &DrawingArea<SVGBackend, Shift>| -> Drawn {
        let (plot, legend) = root.split_horizontally(WIDTH - legend_w);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(16)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x_lo..x_hi, 0.0..y_hi)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(10)
            .y_labels(6)
            .x_label_formatter(&|v| x_fmt(*v))
            .y_label_formatter(&|v| y_fmt(*v))
            .x_desc(c.x)
            .y_desc(c.y)
            .label_style(font(15))
            .axis_desc_style(font(15))
            .draw()?;
        for s in series {
            let line = s.color.stroke_width(2);
            match s.style {
                Style::Dots => {
                    chart.draw_series(
                        s.points
                            .iter()
                            .map(|p| Circle::new(*p, 4, s.color.filled())),
                    )?;
                }
                Style::Line if s.points.len() == 1 => {
                    chart.draw_series(
                        s.points
                            .iter()
                            .map(|p| Circle::new(*p, 4, s.color.filled())),
                    )?;
                }
                Style::Line => {
                    chart.draw_series(LineSeries::new(s.points.iter().copied(), line))?;
                }
                Style::Dashed => {
                    chart.draw_series(DashedLineSeries::new(
                        s.points.iter().copied(),
                        6,
                        4,
                        line,
                    ))?;
                }
            }
        }
        for m in marks {
            // Labels near the right edge read leftwards, inside the plot.
            let right = m.at.0 > x_lo + 0.6 * (x_hi - x_lo);
            let (h, text) = if right {
                (HPos::Right, format!("{} ", m.label))
            } else {
                (HPos::Left, format!(" {}", m.label))
            };
            let label = font(14).pos(Pos::new(h, VPos::Bottom));
            chart.draw_series(std::iter::once(Circle::new(m.at, 3, BLACK.filled())))?;
            chart.draw_series(std::iter::once(Text::new(text, m.at, label)))?;
        }
        for (i, s) in series.iter().enumerate() {
            let y = 20 + 44 * i as i32;
            legend.draw(&Rectangle::new([(4, y), (18, y + 12)], s.color.filled()))?;
            for (k, part) in wrap(&s.name, 26).iter().enumerate() {
                legend.draw(&Text::new(part.clone(), (24, y + 16 * k as i32), font(15)))?;
            }
        }
        Ok(())
    };
    let mut rows = Vec::new();
    for s in series {
        for p in &s.points {
            rows.push(vec![s.name.clone(), num(p.0), num(p.1)]);
        }
    }
    figure(c, 320, draw, (&["series", c.x, c.y], rows))
}

/// `s` in lines of at most `w` characters, broken at spaces.
fn wrap(s: &str, w: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in s.split(' ') {
        match out.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= w => {
                l.push(' ');
                l.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart<'static> {
        Chart {
            title: "T",
            x: "ms",
            y: "band",
            desc: "d".into(),
        }
    }

    #[test]
    fn empty_data_draws_nothing() {
        assert_eq!(hbars(&chart(), "rows", &[]), "");
        assert_eq!(timeline(&chart(), &[(0.0, 1.0, 0.0)], &[], &[]), "");
        assert_eq!(lines(&chart(), &[], &[], &tick, &tick), "");
    }

    #[test]
    fn bars_are_svg_with_a_text_alternative_and_a_table() {
        let rows = vec![("p50".to_string(), 1.5), ("max".to_string(), 900.0)];
        let s = hbars(&chart(), "ms", &rows);
        assert!(
            s.contains("role=\"img\"") && s.contains("<title>T</title>"),
            "{s}"
        );
        assert!(
            s.contains("<th scope=\"row\">p50</th><td>1.50 ms</td>"),
            "{s}"
        );
        // Values spanning decades: a log axis (ticks at powers of ten).
        assert!(s.contains("\n1000\n</text>"), "{s}");
        assert!(!s.contains("font-kit"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(12345.6), "12346");
        assert_eq!(num(0.0123), "0.012");
        assert_eq!(tick(25000.0), "25k");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
    }
}
