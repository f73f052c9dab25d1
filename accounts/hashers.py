"""Password hashing parameters.

Django's Argon2 defaults cost 100 MiB of memory per check, which makes one login raise a web
worker's peak memory by that much. OWASP's password storage guidance lists m=19 MiB, t=2,
p=1 as an equivalent configuration; we use it. Existing hashes keep verifying and are
re-hashed with these parameters at the next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
