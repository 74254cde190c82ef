"""The audit log: a hash chain of every change and refusal, and its verification."""
