"""Address formats: what we generate is what we (and Kotani's DTO checks) accept."""

import pytest

from kotani.chains import OFFRAMP_PAIRS, Chain, is_valid_address, matches_address_format, to_checksum_address
from kotani_sandbox.addresses import new_escrow_address


@pytest.mark.parametrize("chain", [c for c in Chain if c is not Chain.LIGHTNING])
def test_generated_escrow_addresses_match_the_chain_format(chain: Chain) -> None:
    for _ in range(20):
        address = new_escrow_address(chain)
        assert matches_address_format(chain, address), address
        assert is_valid_address(chain, address), address


def test_eip55_checksum_known_vector() -> None:
    assert (
        to_checksum_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
        == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )


def test_a_mistyped_checksummed_evm_address_is_refused() -> None:
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert is_valid_address(Chain.POLYGON, good)
    assert is_valid_address(Chain.POLYGON, good.lower())  # no checksum to check
    assert not is_valid_address(Chain.POLYGON, good.replace("aA", "Aa", 1))


def test_tron_base58check_catches_a_typo() -> None:
    good = new_escrow_address(Chain.TRON)
    typo = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert is_valid_address(Chain.TRON, good)
    assert not is_valid_address(Chain.TRON, typo)


def test_wrong_chain_format_is_refused() -> None:
    assert not matches_address_format(Chain.TRON, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert not matches_address_format(Chain.ETHEREUM, "TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe")


def test_lightning_offers_msat_and_every_pair_is_an_offramp_token() -> None:
    from kotani.chains import OFFRAMP_TOKENS

    assert OFFRAMP_PAIRS[Chain.LIGHTNING] == (OFFRAMP_PAIRS[Chain.LIGHTNING][0],)
    assert all(token in OFFRAMP_TOKENS for tokens in OFFRAMP_PAIRS.values() for token in tokens)
