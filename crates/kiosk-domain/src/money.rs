//! Prices: an amount in integer minor units (cents, pence, yen) and an
//! ISO 4217 currency. No floats anywhere.

use std::fmt;

use crate::Invalid;

/// An amount in minor units, never negative, bounded by what a card
/// processor will charge in one go (Stripe's limit: 99,999,999 minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(i64);

impl Money {
    pub const MAX: i64 = 99_999_999;

    pub fn parse(minor_units: i64) -> Result<Self, Invalid> {
        if minor_units < 0 {
            return Err(Invalid::validation(
                "price",
                "The price must not be negative.",
            ));
        }
        if minor_units > Self::MAX {
            return Err(Invalid::validation(
                "price",
                format!("The price must be at most {} minor units.", Self::MAX),
            ));
        }
        Ok(Self(minor_units))
    }

    pub fn minor_units(self) -> i64 {
        self.0
    }
}

/// Active ISO 4217 codes for money people pay with. Fund codes (BOV, CHE,
/// CLF, …), precious metals, SDRs and test codes are left out, as are codes
/// withdrawn from use (HRK, SLL, ZWL, ANG).
const CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP",
    "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD",
    "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY",
    "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD",
    "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK",
    "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG",
    "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS",
    "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// An ISO 4217 currency code, upper-case. Lower-case input is accepted and
/// normalised (`eur` → `EUR`), since payment processors often write it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(&'static str);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let upper = raw.to_ascii_uppercase();
        CODES
            .iter()
            .find(|code| **code == upper)
            .map(|code| Self(code))
            .ok_or_else(|| {
                Invalid::validation(
                    "currency",
                    "The currency must be an ISO 4217 code in use, such as EUR, GBP or USD.",
                )
            })
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_non_negative_and_bounded() {
        for ok in [0, 1, 999, Money::MAX] {
            assert_eq!(Money::parse(ok).map(Money::minor_units).ok(), Some(ok));
        }
        for bad in [-1, i64::MIN, Money::MAX + 1, i64::MAX] {
            let field = Money::parse(bad).err().and_then(|e| e.field);
            assert_eq!(field, Some("price"), "{bad}");
        }
    }

    #[test]
    fn currencies_are_real_iso_codes_in_upper_case() {
        for (raw, code) in [
            ("EUR", "EUR"),
            ("eur", "EUR"),
            ("Gbp", "GBP"),
            ("usd", "USD"),
            ("JPY", "JPY"),
            ("chf", "CHF"),
        ] {
            assert_eq!(Currency::parse(raw).map(|c| c.as_str()).ok(), Some(code));
        }
        for bad in [
            "", "EU", "EURO", "XXX", "ABC", "HRK", "XAU", " EUR", "€", "E\0R",
        ] {
            let field = Currency::parse(bad).err().and_then(|e| e.field);
            assert_eq!(field, Some("currency"), "{bad:?}");
        }
    }

    #[test]
    fn the_code_list_is_sorted_unique_and_well_formed() {
        assert!(CODES.len() > 150);
        assert!(
            CODES.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert!(CODES
            .iter()
            .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())));
    }
}
