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

/// Lock a character's vitals, also after a panic elsewhere: every update under the lock is a
/// single assignment pair, so poisoning cannot break its invariants.
fn lock(vitals: &Mutex<Vitals>) -> MutexGuard<'_, Vitals> {
    vitals.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Character {
    fn vitals(&self) -> MutexGuard<'_, Vitals> {
        lock(&self.vitals)
    }

    /// Damage this character's blow deals to `target` before the target's defence halves it.
    fn damage_against(&self, target: &Self) -> u32 {
        self.strength.saturating_sub(target.constitution / 2).max(1)
    }

    /// `ValueError(name + why)`, built as a Python str, so any name comes through unchanged.
    fn refusal(&self, py: Python<'_>, why: &str) -> PyResult<PyErr> {
        Ok(PyValueError::new_err(self.name.bind(py).add(why)?.unbind()))
    }
}

/// One blow of `damage` from the character whose vitals are `attacker` at the one whose vitals
/// are `target` (two different characters), as one step: `None` if the attacker is defeated,
/// else the health the target lost (the blow halved, rounding up, if it was defending).
///
/// Both locks are held throughout, so no other blow lands between the attacker's check and the
/// target's loss: a character defeated by one blow cannot strike back with another, and every
/// point of damage is accounted once. They are taken in address order, so that two characters
/// attacking each other at the same time cannot each hold one lock and wait for the other.
fn strike(attacker: &Mutex<Vitals>, target: &Mutex<Vitals>, damage: u32) -> Option<u32> {
    let (attacker, mut target) = if std::ptr::from_ref(attacker) < std::ptr::from_ref(target) {
        let attacker = lock(attacker);
        (attacker, lock(target))
    } else {
        let target = lock(target);
        (lock(attacker), target)
    };
    if attacker.health == 0 {
        return None;
    }
    let damage = if target.defending { damage.div_ceil(2) } else { damage };
    target.defending = false;
    let lost = damage.min(target.health);
    target.health -= lost;
    Some(lost)
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
    /// Each attack is one atomic step, even when many threads fight at once: a character cannot
    /// strike after a blow that defeated it, and every point of damage is accounted exactly once.
    fn attack(slf: &Bound<'_, Self>, target: &Bound<'_, Self>) -> PyResult<u32> {
        if slf.is(target) {
            return Err(slf.get().refusal(slf.py(), " cannot attack itself")?);
        }
        let (attacker, target) = (slf.get(), target.get());
        match strike(&attacker.vitals, &target.vitals, attacker.damage_against(target)) {
            Some(lost) => Ok(lost),
            None => Err(attacker.refusal(slf.py(), " is defeated and cannot attack")?),
        }
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn seeded_rolls_are_reproducible_and_in_range() {
        let first = rolls(1000, 6, Some(42)).unwrap_or_default();
        assert_eq!(first, rolls(1000, 6, Some(42)).unwrap_or_default());
        assert!(first.iter().all(|&roll| (1..=6).contains(&roll)));
        assert!((1..=6).all(|face| first.contains(&face)));
    }

    /// Two characters strike each other from two threads at the same moment, each blow defeating
    /// the other, many times over: exactly one blow may land in each duel, whichever comes first.
    #[test]
    fn a_defeated_character_never_strikes_back() {
        const DUELS: usize = 20_000;
        let fighter = || Mutex::new(Vitals { health: 5, defending: false });
        let duels: Vec<_> = (0..DUELS).map(|_| (fighter(), fighter())).collect();
        let arrived = AtomicUsize::new(0);
        // Both threads reach duel `i` before either strikes in it (a barrier cheap enough to
        // start each of thousands of duels together).
        let fight = |strikes_first: bool| {
            for (index, (first, second)) in duels.iter().enumerate() {
                arrived.fetch_add(1, Ordering::SeqCst);
                while arrived.load(Ordering::SeqCst) < 2 * (index + 1) {
                    std::hint::spin_loop();
                }
                if strikes_first {
                    strike(first, second, 5)
                } else {
                    strike(second, first, 5)
                };
            }
        };
        std::thread::scope(|scope| {
            scope.spawn(|| fight(true));
            fight(false);
        });
        let both_fell = duels.iter().filter(|(first, second)| lock(first).health == 0 && lock(second).health == 0);
        assert_eq!(both_fell.count(), 0, "duels in which both fighters fell");
    }

    #[test]
    fn invalid_arguments_are_rejected() {
        assert!(rolls(-1, 6, None).is_err());
        assert!(rolls(1, 0, None).is_err());
        assert!(rolls(MAX_DICE + 1, 6, None).is_err());
        assert_eq!(rolls(0, 6, None).map(|rolls| rolls.len()).ok(), Some(0));
    }
}
