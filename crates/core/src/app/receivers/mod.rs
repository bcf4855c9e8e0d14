//! Recipient groups (reference §4.9): create, upload rows (plain or with per-recipient
//! TemplateData), list, walk and delete.
//!
//! An upload holds its group in status 2 (uploading) while the rows are written in chunks of
//! [`CHUNK_ROWS`], then leaves it in 3 (ready). Every request-level check runs before the
//! group is touched, so a refused upload changes nothing. Rows are appended, never replaced:
//! a group's rows keep their order and numbering, which a batch task's cursor relies on.

mod rows;

pub use rows::{RowChecker, UploadReport, UploadRow};

use super::Sesame;
use super::validate::page_limit;
use crate::error::{ErrorCode, SesError};
use crate::ports::{
    Created, DetailPage, DetailQuery, Lists, NewDetail, Ports, Receiver, ReceiverDetail,
    ReceiverId, ReceiverQuery, ReceiverStatus, Sequences, UploadStart,
};
use crate::types::AccountId;

/// Rows written per storage call (one SQLite transaction; 400 DynamoDB batches).
pub const CHUNK_ROWS: usize = 10_000;
/// Most rows one CreateReceiverDetail[WithData] call may carry.
pub const MAX_ROWS_PER_REQUEST: usize = 20_000;
/// Most rows a group may reach through the API (the CLI import is not limited).
pub const MAX_ROWS_PER_GROUP: u64 = 50_000;
/// Most groups per account.
pub const MAX_GROUPS: u64 = 1_000;
/// An upload running longer than this is taken to have crashed; a new one may take over.
pub const UPLOAD_STALE_AFTER: chrono::Duration = chrono::Duration::minutes(10);

fn not_exist() -> SesError {
    SesError::new(
        ErrorCode::OperationDeniedReceiverNotExist,
        "The recipient group does not exist.",
    )
}

fn operating() -> SesError {
    SesError::new(
        ErrorCode::OperationDeniedReceiverIsOperating,
        "The recipient group is being uploaded; retry when its status is 3.",
    )
}

fn check_name(name: &str) -> Result<(), SesError> {
    let len = name.chars().count();
    if name.trim().is_empty() || len > 200 || name.chars().any(char::is_control) {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValueReceiverNameIllegal,
            "ReceiversName must be 1-200 characters without control characters.",
        ));
    }
    Ok(())
}

fn check_desc(desc: &str) -> Result<(), SesError> {
    let special = |c: char| c.is_control() || matches!(c, '<' | '>' | '"' | '\\');
    if desc.chars().count() > 300 || desc.chars().any(special) {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValueReceiverDescIllegal,
            "Desc must be at most 300 characters without control characters or < > \" \\.",
        ));
    }
    Ok(())
}

/// An upload in progress: the group is held (status 2) until [`Sesame::end_upload`].
#[derive(Debug)]
pub struct Upload {
    account: AccountId,
    id: ReceiverId,
    buffer: Vec<NewDetail>,
}

impl<P: Ports> Sesame<P> {
    /// Creates an empty group (status 1) and returns its id.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn create_receiver(
        &self,
        account: &AccountId,
        name: &str,
        desc: &str,
    ) -> Result<ReceiverId, SesError> {
        check_name(name)?;
        check_desc(desc)?;
        let count_query = ReceiverQuery {
            account: account.clone(),
            status: None,
            keyword: None,
            offset: 0,
            limit: 0,
        };
        let (_, groups) = self.lists.list_receivers(&count_query).await?;
        if groups >= MAX_GROUPS {
            return Err(SesError::new(
                ErrorCode::LimitExceededExceedReceiverLimit,
                "The account has the most recipient groups allowed.",
            ));
        }
        let id = ReceiverId(self.sequences.next("receiver").await?);
        let receiver = Receiver {
            account: account.clone(),
            id,
            name: name.to_owned(),
            desc: desc.to_owned(),
            status: ReceiverStatus::Empty,
            count: 0,
            invalid_count: 0,
            data_keys: None,
            upload_started_at: None,
            created_at: self.now(),
        };
        match self.lists.create_receiver(&receiver).await? {
            Created::Yes => Ok(id),
            _ => Err(SesError::new(
                ErrorCode::InvalidParameterValueRepeatReceiverName,
                "A recipient group with this name exists.",
            )),
        }
    }

    /// One group of the account (`OperationDenied.ReceiverNotExist` if none).
    pub async fn receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<Receiver, SesError> {
        self.lists
            .get_receiver(account, id)
            .await?
            .ok_or_else(not_exist)
    }

    /// CreateReceiverDetail / CreateReceiverDetailWithData: checks every row, then stores the
    /// rows to keep in chunks and returns the counters.
    #[tracing::instrument(skip(self, rows), fields(account = %account, receiver = %id, rows = rows.len()), err)]
    pub async fn upload_receiver_details(
        &self,
        account: &AccountId,
        id: ReceiverId,
        rows: Vec<UploadRow>,
        with_data: bool,
    ) -> Result<UploadReport, SesError> {
        if rows.is_empty() {
            return Err(SesError::new(
                ErrorCode::MissingParameterEmailsNecessary,
                "At least one address is required.",
            ));
        }
        if rows.len() > MAX_ROWS_PER_REQUEST {
            return Err(SesError::new(
                ErrorCode::LimitExceededReceiverDetailRequestLimit,
                "At most 20000 addresses per request.",
            ));
        }
        let group = self.receiver(account, id).await?;
        if self.is_uploading(&group) {
            return Err(operating());
        }
        let mut checker = RowChecker::new(with_data, group.data_keys.clone(), group.count);
        let mut keep = Vec::with_capacity(rows.len());
        for row in rows {
            keep.extend(checker.check(row)?);
        }
        if group.count + keep.len() as u64 > MAX_ROWS_PER_GROUP {
            return Err(SesError::new(
                ErrorCode::LimitExceededReceiverDetailCountLimit,
                "A recipient group holds at most 50000 addresses.",
            ));
        }
        let mut upload = self.begin_upload(account, id, &checker).await?;
        for row in keep {
            self.push_row(&mut upload, row).await?;
        }
        self.end_upload(upload, checker.data_keys()).await?;
        Ok(checker.report())
    }

    fn is_uploading(&self, group: &Receiver) -> bool {
        group.status == ReceiverStatus::Uploading
            && group
                .upload_started_at
                .is_some_and(|t| t >= self.now() - UPLOAD_STALE_AFTER)
    }

    /// Holds the group for an upload whose rows `checker` checked (or will check): refused
    /// when another upload runs, or when the group's data variables changed meanwhile.
    pub async fn begin_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        checker: &RowChecker,
    ) -> Result<Upload, SesError> {
        let now = self.now();
        let before = match self
            .lists
            .begin_upload(account, id, now, now - UPLOAD_STALE_AFTER)
            .await?
        {
            UploadStart::Started(before) => before,
            UploadStart::Busy => return Err(operating()),
            UploadStart::Missing => return Err(not_exist()),
        };
        let upload = Upload {
            account: account.clone(),
            id,
            buffer: Vec::with_capacity(CHUNK_ROWS),
        };
        // Rows with other variables may have landed between the caller's check and now.
        let keys = checker.data_keys();
        if before.data_keys.is_some() && keys.is_some() && before.data_keys != keys {
            self.end_upload(upload, None).await?;
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueTemplateDataInconsistent,
                "The group's TemplateData variables changed during the upload.",
            ));
        }
        Ok(upload)
    }

    /// Adds a checked row to the upload, writing a chunk when one is full.
    pub async fn push_row(&self, upload: &mut Upload, row: NewDetail) -> Result<(), SesError> {
        upload.buffer.push(row);
        if upload.buffer.len() >= CHUNK_ROWS {
            self.flush(upload).await?;
        }
        Ok(())
    }

    async fn flush(&self, upload: &mut Upload) -> Result<(), SesError> {
        if upload.buffer.is_empty() {
            return Ok(());
        }
        let written = self
            .lists
            .append_details(&upload.account, upload.id, &upload.buffer, self.now())
            .await;
        upload.buffer.clear();
        if let Err(err) = written {
            // Release the group so it is not stuck in status 2 until the upload goes stale.
            let _ = self
                .lists
                .end_upload(&upload.account, upload.id, None)
                .await;
            return Err(err.into());
        }
        Ok(())
    }

    /// Writes what is buffered and releases the group (status 3, or 1 if it has no rows),
    /// recording the rows' TemplateData variables.
    pub async fn end_upload(
        &self,
        mut upload: Upload,
        data_keys: Option<Vec<String>>,
    ) -> Result<(), SesError> {
        self.flush(&mut upload).await?;
        if !self
            .lists
            .end_upload(&upload.account, upload.id, data_keys)
            .await?
        {
            return Err(not_exist());
        }
        Ok(())
    }

    /// ListReceivers: newest first.
    pub async fn list_receivers(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
        status: Option<u64>,
        keyword: Option<String>,
    ) -> Result<(Vec<Receiver>, u64), SesError> {
        let status = match status {
            None => None,
            Some(code) => Some(ReceiverStatus::from_code(code).ok_or_else(|| {
                SesError::new(
                    ErrorCode::InvalidParameterValue,
                    "Status must be 1, 2 or 3.",
                )
            })?),
        };
        let query = ReceiverQuery {
            account: account.clone(),
            status,
            keyword: keyword.filter(|k| !k.is_empty()),
            offset,
            limit: page_limit(limit)?,
        };
        Ok(self.lists.list_receivers(&query).await?)
    }

    /// ListReceiverDetails: rows in upload order with valid/invalid counts.
    pub async fn list_receiver_details(&self, query: DetailQuery) -> Result<DetailPage, SesError> {
        page_limit(query.limit)?;
        self.receiver(&query.account, query.receiver).await?;
        Ok(self.lists.list_details(&query).await?)
    }

    /// The next rows of a group after `after_seq`, for a batch task's cursor (invalid rows
    /// included, so the cursor can pass them; [`ReceiverDetail::address`] is `None` for them).
    pub async fn receiver_rows_after(
        &self,
        account: &AccountId,
        id: ReceiverId,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<ReceiverDetail>, SesError> {
        Ok(self
            .lists
            .details_after(account, id, after_seq, limit)
            .await?)
    }

    /// DeleteReceiver: the group and its rows. Refused while an upload runs.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn delete_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<(), SesError> {
        let group = self.receiver(account, id).await?;
        if self.is_uploading(&group) {
            return Err(operating());
        }
        if !self.lists.delete_receiver(account, id).await? {
            return Err(not_exist());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
