//! Coverage forecast: how many users will have migrated by day t.
//!
//! A user's first sign-in day is modelled as a mixture of geometric
//! processes (a user of component k signs in on any day with probability
//! p_k; "dormant" users are a component with a tiny p_k). The weights and
//! rates are fitted by maximum likelihood (EM, right-censored at the last
//! observed day) to the observed first-sign-in counts per day; nothing of the
//! simulation's own activity model is used, so the forecast can be checked
//! against the simulated outcome.

use serde::{Deserialize, Serialize};

/// Components of the mixture; started at rates spread over four orders of magnitude.
const START_RATES: [f64; 5] = [0.7, 0.15, 0.03, 0.005, 0.0003];
const ITERATIONS: usize = 3000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Component {
    pub weight: f64,
    pub daily_rate: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DayShare {
    pub day: u32,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Forecast {
    /// Days of observations the fit used.
    pub fitted_on_days: u32,
    pub components: Vec<Component>,
    /// Predicted share of all users migrated by the end of each day, 1..=365.
    pub predicted_coverage: Vec<DayShare>,
    /// First day the predicted coverage reaches 50 / 90 / 99 % (None: not within 10 years).
    pub days_to_50: Option<u32>,
    pub days_to_90: Option<u32>,
    pub days_to_99: Option<u32>,
    /// Share of users predicted not to have signed in by day 365.
    pub never_within_year_share: f64,
}

/// Share migrated by the end of day `t` under the fitted mixture (plus the
/// users already migrated before observation, none here).
pub fn share_at(components: &[Component], t: u32) -> f64 {
    components
        .iter()
        .map(|c| c.weight * (1.0 - (1.0 - c.daily_rate).powi(t as i32)))
        .sum()
}

/// Fits on `new_per_day[d]` = users whose first sign-in was on day d+1, out
/// of `population` users.
pub fn fit(new_per_day: &[u64], population: u64) -> Forecast {
    let days = new_per_day.len() as u32;
    let n = population.max(1) as f64;
    let seen: f64 = new_per_day.iter().map(|&x| x as f64).sum();
    let censored = (n - seen).max(0.0);
    let mut w: Vec<f64> = vec![1.0 / START_RATES.len() as f64; START_RATES.len()];
    let mut p: Vec<f64> = START_RATES.to_vec();
    let k = p.len();
    if days > 0 && seen > 0.0 {
        for _ in 0..ITERATIONS {
            let mut events = vec![0.0; k];
            let mut trials = vec![0.0; k];
            let mut mass = vec![0.0; k];
            for (d, &cnt) in new_per_day.iter().enumerate() {
                if cnt == 0 {
                    continue;
                }
                let day = (d + 1) as f64;
                let lik: Vec<f64> = (0..k)
                    .map(|j| w[j] * p[j] * (1.0 - p[j]).powf(day - 1.0))
                    .collect();
                let tot: f64 = lik.iter().sum();
                if tot <= 0.0 {
                    continue;
                }
                for j in 0..k {
                    let r = cnt as f64 * lik[j] / tot;
                    events[j] += r;
                    trials[j] += r * day;
                    mass[j] += r;
                }
            }
            let lik: Vec<f64> = (0..k)
                .map(|j| w[j] * (1.0 - p[j]).powf(days as f64))
                .collect();
            let tot: f64 = lik.iter().sum();
            if tot > 0.0 {
                for j in 0..k {
                    let r = censored * lik[j] / tot;
                    trials[j] += r * days as f64;
                    mass[j] += r;
                }
            }
            for j in 0..k {
                w[j] = mass[j] / n;
                p[j] = if trials[j] > 0.0 {
                    (events[j] / trials[j]).clamp(1e-9, 1.0)
                } else {
                    p[j]
                };
            }
        }
    } else if days > 0 {
        // Nobody signed in yet: all mass on a never-observed process.
        w = vec![0.0; k];
        w[k - 1] = 1.0;
        p[k - 1] = 0.0;
    }
    let components: Vec<Component> = (0..k)
        .map(|j| Component {
            weight: w[j],
            daily_rate: p[j],
        })
        .collect();
    let predicted_coverage = (1..=365)
        .map(|t| DayShare {
            day: t,
            share: share_at(&components, t),
        })
        .collect();
    let days_to = |x: f64| (1..=3650).find(|&t| share_at(&components, t) >= x);
    Forecast {
        fitted_on_days: days,
        days_to_50: days_to(0.5),
        days_to_90: days_to(0.9),
        days_to_99: days_to(0.99),
        never_within_year_share: 1.0 - share_at(&components, 365),
        predicted_coverage,
        components,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Simulates first sign-in days of `n` users of the given (share, rate)
    /// classes for 90 days; returns new users per day.
    fn simulate(n: u64, classes: &[(f64, f64)], seed: u64) -> Vec<u64> {
        let mut per_day = vec![0u64; 90];
        for u in 0..n {
            let mut r = Rng::at(seed, u);
            let x = r.unit();
            let mut acc = 0.0;
            let mut rate = 0.0;
            for &(s, p) in classes {
                acc += s;
                if x < acc {
                    rate = p;
                    break;
                }
            }
            for slot in per_day.iter_mut() {
                if r.chance(rate) {
                    *slot += 1;
                    break;
                }
            }
        }
        per_day
    }

    fn check(classes: &[(f64, f64)]) {
        let n = 100_000;
        let per_day = simulate(n, classes, 7);
        let actual90 = per_day.iter().sum::<u64>() as f64 / n as f64;
        let f = fit(&per_day[..30], n);
        let predicted90 = f.predicted_coverage[89].share;
        assert!(
            (predicted90 - actual90).abs() < 0.05,
            "30-day fit predicts {predicted90:.4} at day 90, simulated {actual90:.4}: {:?}",
            f.components
        );
        // The fit reproduces what it saw.
        let seen30 = per_day[..30].iter().sum::<u64>() as f64 / n as f64;
        assert!((f.predicted_coverage[29].share - seen30).abs() < 0.01);
    }

    #[test]
    fn thirty_days_predict_day_ninety_within_five_points() {
        // Derived from the saas profile's last_login_at (mostly rare and dormant).
        check(&[
            (0.003, 0.9),
            (0.016, 1.0 / 7.0),
            (0.046, 1.0 / 30.0),
            (0.30, 1.0 / 180.0),
            (0.635, 0.0005),
        ]);
        // A busier product.
        check(&[
            (0.10, 0.9),
            (0.20, 1.0 / 7.0),
            (0.30, 1.0 / 30.0),
            (0.25, 1.0 / 180.0),
            (0.15, 0.0005),
        ]);
        // Weekly and monthly users only: coverage far from saturated at day 30.
        check(&[(0.5, 1.0 / 20.0), (0.5, 1.0 / 60.0)]);
    }

    #[test]
    fn days_to_thresholds() {
        let f = Forecast {
            components: vec![Component {
                weight: 1.0,
                daily_rate: 0.5,
            }],
            ..fit(&[], 1)
        };
        assert_eq!(share_at(&f.components, 1), 0.5);
        let f = fit(&[50_000, 25_000, 12_500, 6_250], 100_000);
        assert_eq!(f.days_to_50, Some(1));
        assert_eq!(f.days_to_90, Some(4));
        assert!(f.never_within_year_share < 0.001);
    }
}
