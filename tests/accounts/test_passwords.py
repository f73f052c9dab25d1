from django.contrib.auth.hashers import make_password


def test_passwords_are_hashed_with_argon2_at_owasp_parameters(settings):
    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2Hasher"]
    encoded = make_password("a-long-enough-passphrase")
    assert encoded.startswith("argon2$argon2id$")
    assert "$m=19456,t=2,p=1$" in encoded
