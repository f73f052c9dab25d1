"""The login limits behind the cluster's nginx, as in the documented deployment (NUM_PROXIES=1):
nginx appends the address it saw to X-Forwarded-For, so each visitor is counted at their own
address, not all of them at the proxy's. Visitors come from different loopback addresses
(127.0.0.2, 127.0.0.3, …), which all reach nginx on 127.0.0.1; both gunicorn instances count
in the one Redis."""

import shutil

import pytest

from accounts.hashers import Argon2Hasher
from bench.cluster import Cluster, production_env
from tests.factories import PASSWORD, UserFactory
from tests.integration.conftest import _database_url
from tests.system.browser import Browser

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

LOCKED = "Too many failed login attempts"


@pytest.fixture
def site(transactional_db, broker_url, collected_static):
    """nginx in front of two gunicorn instances, production settings, one trusted proxy."""
    if not shutil.which("nginx") and not shutil.which("/usr/sbin/nginx"):
        pytest.skip("nginx is not installed (apt-get install nginx)")
    env = production_env(
        DATABASE_URL=_database_url(),
        REDIS_URL=broker_url,  # flushed before and after the test: no counts left from another run
        NUM_PROXIES="1",
        WEB_CONCURRENCY="2",
        GUNICORN_PRELOAD="false",
    )
    running = Cluster(env=env)
    try:
        yield running.up(workers=False)
    finally:
        running.down()


def visitor(site: Cluster, address: str) -> Browser:
    """One person at one client address, as nginx sees them."""
    return Browser(site.port, address=address)


def member(username: str):
    """A verified member whose password the site (Argon2, unlike the tests' MD5) can check."""
    user = UserFactory(email=f"{username}@example.com", username=username)
    user.password = Argon2Hasher().encode(PASSWORD, Argon2Hasher().salt())
    user.save(update_fields=["password"])
    return user


def test_an_attacker_address_failing_against_one_account_does_not_stop_another_member_signing_in(site):
    ada, bob = member("ada"), member("bob")
    attacker = visitor(site, "127.0.0.2")
    statuses = [attacker.sign_in(ada.email, f"guess-{n}")[0].status for n in range(12)]
    assert statuses[:5] == [200] * 5, statuses  # wrong password, said on the form
    assert statuses[5:] == [429] * 7, statuses  # ada's account, then the attacker's address, locked

    bob_at_home = visitor(site, "127.0.0.3")
    assert bob_at_home.sign_in(bob.email, PASSWORD)[0].status == 302
    assert bob_at_home.is_signed_in_as(bob)
    response, page = visitor(site, "127.0.0.2").sign_in(bob.email, PASSWORD)
    assert response.status == 429 and LOCKED in page, "the attacker's own address is refused"


def test_failures_against_one_account_from_many_addresses_lock_it_while_another_member_signs_in(site):
    ada, bob = member("ada"), member("bob")
    statuses = [
        visitor(site, f"127.0.0.{10 + n}").sign_in(ada.email, f"guess-{n}")[0].status for n in range(6)
    ]
    assert statuses == [200] * 5 + [429], statuses

    ada_at_home = visitor(site, "127.0.0.30")
    response, page = ada_at_home.sign_in(ada.email, PASSWORD)
    assert response.status == 429 and LOCKED in page
    assert f'value="{ada.email}"' in page
    assert not ada_at_home.is_signed_in_as(ada)

    bob_at_home = visitor(site, "127.0.0.10")  # an address that failed once against ada
    assert bob_at_home.sign_in(bob.email, PASSWORD)[0].status == 302
    assert bob_at_home.is_signed_in_as(bob)
