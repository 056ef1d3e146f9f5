"""The mentor pool (创业导师库): mentors of an organization, their office hours (slots) and
the bookings participants make of them. Mentors may import accounts, orgs and events; judging
and reports may import mentors, nothing lower does."""
