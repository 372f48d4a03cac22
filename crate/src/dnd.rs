//! A small Dungeons & Dragons module: dice rolls and characters that fight, safely, from many threads.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::Error;

/// The most dice one call may roll, so a typo cannot allocate gigabytes.
pub const MAX_DICE: i64 = 10_000_000;

/// SplitMix64: tiny, fast and fully specified, so a seed gives the same rolls on every platform.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator seeded from the operating system's randomness (via std's hash keys).
    pub fn from_entropy() -> Self {
        Self(RandomState::new().hash_one(0_u8))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniformly distributed number in `1..=sides` (rejection sampling: no modulo bias).
    pub fn roll(&mut self, sides: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % sides);
        loop {
            let value = self.next_u64();
            if value < zone {
                return value % sides + 1;
            }
        }
    }
}

/// Roll `n` dice with `sides` faces each and return the results, each in `1..=sides`.
///
/// The same `seed` always gives the same rolls, on every platform and version; without a seed
/// the rolls are unpredictable. Raises `ValueError` if `n < 0`, `n > 10_000_000` or `sides < 1`.
#[pyfunction]
#[pyo3(signature = (n, sides, seed = None))]
pub fn roll_dice(n: i64, sides: i64, seed: Option<u64>) -> PyResult<Vec<u64>> {
    Ok(rolls(n, sides, seed)?)
}

/// The pure-Rust core of [`roll_dice`].
pub fn rolls(n: i64, sides: i64, seed: Option<u64>) -> Result<Vec<u64>, Error> {
    if !(0..=MAX_DICE).contains(&n) {
        return Err(Error::InvalidValue(format!("n must be between 0 and {MAX_DICE}, got {n}")));
    }
    let sides = u64::try_from(sides)
        .ok()
        .filter(|&sides| sides >= 1)
        .ok_or_else(|| Error::InvalidValue(format!("sides must be at least 1, got {sides}")))?;
    let mut rng = seed.map_or_else(SplitMix64::from_entropy, SplitMix64::new);
    Ok((0..n).map(|_| rng.roll(sides)).collect())
}

/// The part of a character that changes during a fight.
struct Vitals {
    health: u32,
    defending: bool,
}

/// A character with fixed abilities and a health that fights change.
///
/// Health stays between 0 and the starting health; all methods are safe to call from many threads.
#[pyclass(module = "pyo3_showcase.dnd", name = "Character", frozen)]
pub struct Character {
    #[pyo3(get)]
    name: Py<PyString>, // a Python str, so that any name (a lone surrogate too) comes back unchanged
    #[pyo3(get)]
    max_health: u32,
    #[pyo3(get)]
    strength: u32,
    #[pyo3(get)]
    dexterity: u32,
    #[pyo3(get)]
    constitution: u32,
    #[pyo3(get)]
    intelligence: u32,
    #[pyo3(get)]
    wisdom: u32,
    #[pyo3(get)]
    charisma: u32,
    vitals: Mutex<Vitals>,
}

impl Character {
    fn vitals(&self) -> MutexGuard<'_, Vitals> {
        // Every update under the lock is a single assignment pair; poisoning cannot break invariants.
        self.vitals.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Damage this character's blow deals to `target` before the target's defence halves it.
    fn damage_against(&self, target: &Self) -> u32 {
        self.strength.saturating_sub(target.constitution / 2).max(1)
    }

    /// `ValueError(name + why)`, built as a Python str, so any name comes through unchanged.
    fn refusal(&self, py: Python<'_>, why: &str) -> PyResult<PyErr> {
        Ok(PyValueError::new_err(self.name.bind(py).add(why)?.unbind()))
    }

    /// Take `damage`, halved if defending, never dropping below 0; returns the health lost.
    fn take_damage(&self, damage: u32) -> u32 {
        let mut vitals = self.vitals();
        let damage = if vitals.defending { damage.div_ceil(2) } else { damage };
        vitals.defending = false;
        let lost = damage.min(vitals.health);
        vitals.health -= lost;
        lost
    }
}

#[pymethods]
impl Character {
    #[new]
    #[pyo3(signature = (name, health, strength, dexterity = 10, constitution = 10, intelligence = 10, wisdom = 10, charisma = 10))]
    #[allow(clippy::too_many_arguments)] // The guide's signature: six abilities plus name and health.
    fn new(
        name: Py<PyString>,
        health: u32,
        strength: u32,
        dexterity: u32,
        constitution: u32,
        intelligence: u32,
        wisdom: u32,
        charisma: u32,
    ) -> Self {
        Self {
            name,
            max_health: health,
            strength,
            dexterity,
            constitution,
            intelligence,
            wisdom,
            charisma,
            vitals: Mutex::new(Vitals { health, defending: false }),
        }
    }

    /// Current health, between 0 and `max_health`.
    #[getter]
    fn health(&self) -> u32 {
        self.vitals().health
    }

    /// Whether the character is still standing (`health > 0`).
    #[getter]
    fn is_alive(&self) -> bool {
        self.health() > 0
    }

    /// Strike `target` and return the health it lost.
    ///
    /// The blow deals `max(1, strength - target.constitution // 2)`, halved (rounding up) if the
    /// target was defending. Raises `ValueError` if this character is defeated or attacks itself.
    fn attack(slf: &Bound<'_, Self>, target: &Bound<'_, Self>) -> PyResult<u32> {
        if slf.is(target) {
            return Err(slf.get().refusal(slf.py(), " cannot attack itself")?);
        }
        let (attacker, target) = (slf.get(), target.get());
        if !attacker.is_alive() {
            return Err(attacker.refusal(slf.py(), " is defeated and cannot attack")?);
        }
        Ok(target.take_damage(attacker.damage_against(target)))
    }

    /// Raise a guard: the next blow this character takes is halved.
    fn defend(&self) {
        self.vitals().defending = true;
    }

    /// Restore up to `amount` health (never above `max_health`) and return the new health.
    ///
    /// A defeated character cannot be healed; it stays at 0 and this raises `ValueError`.
    fn heal(&self, py: Python<'_>, amount: u32) -> PyResult<u32> {
        let mut vitals = self.vitals();
        if vitals.health == 0 {
            drop(vitals);
            return Err(self.refusal(py, " is defeated and cannot be healed")?);
        }
        vitals.health = vitals.health.saturating_add(amount).min(self.max_health);
        Ok(vitals.health)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        // The name quoted the way Python's repr() quotes strings (ASCII escapes for surrogates).
        let name = self.name.bind(py).repr()?;
        Ok(format!("Character(name={name}, health={}/{})", self.health(), self.max_health))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_rolls_are_reproducible_and_in_range() {
        let first = rolls(1000, 6, Some(42)).unwrap_or_default();
        assert_eq!(first, rolls(1000, 6, Some(42)).unwrap_or_default());
        assert!(first.iter().all(|&roll| (1..=6).contains(&roll)));
        assert!((1..=6).all(|face| first.contains(&face)));
    }

    #[test]
    fn invalid_arguments_are_rejected() {
        assert!(rolls(-1, 6, None).is_err());
        assert!(rolls(1, 0, None).is_err());
        assert!(rolls(MAX_DICE + 1, 6, None).is_err());
        assert_eq!(rolls(0, 6, None).map(|rolls| rolls.len()).ok(), Some(0));
    }
}
