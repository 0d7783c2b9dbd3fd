-- paygen-store, version 2: what a payment's queries and cancel send beyond its order
-- number (the gateway OrderRef's extra fields, such as wantu's pay_channel), as a JSON
-- object: a process resuming a payment has nothing else to build them from. Rows of
-- version 1 had none.
ALTER TABLE paygen_payments ADD COLUMN order_extra TEXT NOT NULL DEFAULT '{}';
