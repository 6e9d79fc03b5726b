"""Local fakes of remote services that Vonk's tests cannot reach from this machine."""
